/**
 * What each go-tfe test really did to Terrapod, measured: every test process talks to the server
 * through its own loopback forwarder (`conformance-forwarder.ts`), which records the local port of each
 * upstream socket; the server's access log names the client port of every request (`clientPort`). Joining
 * the two attributes each request to its test, and classifies the test:
 *
 * - offline:     no connection at all (go-tfe's unit tests, tests that skip before building a client)
 * - no feature:  connected, but no request was served by a Terrapod route, other than the client
 *                handshake every go-tfe client makes when it is built (GET /api/v2/ping)
 * - exercised:   at least one request served by a real route (whatever its status: a 401 or a 422 from a
 *                route is that route's answer; a request no route matched is not)
 *
 * Only passing *exercised* tests count as conformance.
 */

/** One connection a test made, as the forwarder saw it. */
export type Connection = {
  /** Local port of the forwarder's socket to the server: the client port in the server's log. */
  readonly upstreamPort: number | undefined;
  readonly openedAt: number;
  readonly closedAt: number;
};

/** One `"msg":"request"` line of the server's access log. */
export type AccessLogEntry = {
  /** Epoch ms at which the response was ready (the log line's `time`). */
  readonly time: number;
  /** Handling time; `time - ms` is when the request arrived. */
  readonly ms: number;
  readonly clientPort: number;
  readonly method: string;
  /** The route pattern that served it, or `unmatched`. */
  readonly route: string;
  readonly status: number;
};

export type TrafficClass = "offline" | "no-feature" | "exercised";

export type Traffic = {
  readonly class: TrafficClass;
  readonly connections: number;
  /** Requests attributed to the test. */
  readonly requests: number;
  /** Of those, requests a Terrapod route served (the handshake excluded). */
  readonly featureRequests: number;
  /** Of those, requests no route matched (`unmatched`: a 404 "no route", or refused before routing). */
  readonly unmatched: number;
  /** Requests per `METHOD route status`, for the audit file. */
  readonly byRoute: Readonly<Record<string, number>>;
};

/** go-tfe's NewClient reads the API version from this before any test code runs. */
const handshake = new Set(["GET /api/v2/ping"]);

/** Reads the access-log lines (with a client port) of a server log; other lines are skipped. */
export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes('"msg":"request"')) continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const time = typeof record.time === "string" ? Date.parse(record.time) : Number(record.time);
    const { clientPort, method, route, status, ms } = record;
    if (record.msg !== "request" || typeof clientPort !== "number" || !Number.isFinite(time)) continue;
    entries.push({
      time,
      ms: typeof ms === "number" ? ms : 0,
      clientPort,
      method: String(method),
      route: String(route),
      status: Number(status),
    });
  }
  return entries;
}

export type Attribution = {
  readonly byTest: Map<string, AccessLogEntry[]>;
  /** Requests from no test's forwarder (the runners of remote runs, which call the server directly). */
  readonly unattributed: AccessLogEntry[];
};

/**
 * Joins log entries with the tests' connections: a request belongs to the connection on its client port
 * that was open when the request arrived (`time - ms`, within `slackMs`); ports are reused over a run,
 * so the port alone is not enough. Among several candidates the one opened last before it wins.
 */
export function attributeRequests(
  connections: ReadonlyMap<string, readonly Connection[]>,
  entries: readonly AccessLogEntry[],
  slackMs = 1000,
): Attribution {
  const byPort = new Map<number, { test: string; openedAt: number; closedAt: number }[]>();
  const byTest = new Map<string, AccessLogEntry[]>();
  for (const [test, conns] of connections) {
    byTest.set(test, []);
    for (const c of conns) {
      if (c.upstreamPort === undefined) continue;
      const list = byPort.get(c.upstreamPort) ?? [];
      list.push({ test, openedAt: c.openedAt, closedAt: c.closedAt });
      byPort.set(c.upstreamPort, list);
    }
  }
  const unattributed: AccessLogEntry[] = [];
  for (const entry of entries) {
    const arrived = entry.time - entry.ms;
    let best: { test: string; openedAt: number } | undefined;
    for (const c of byPort.get(entry.clientPort) ?? []) {
      if (arrived < c.openedAt - slackMs || arrived > c.closedAt + slackMs) continue;
      if (!best || c.openedAt > best.openedAt) best = c;
    }
    if (best) byTest.get(best.test)?.push(entry);
    else unattributed.push(entry);
  }
  return { byTest, unattributed };
}

/** Served by a Terrapod route, and not the client handshake. */
export function isFeatureRequest(entry: AccessLogEntry): boolean {
  return entry.route !== "unmatched" && !handshake.has(`${entry.method} ${entry.route}`);
}

/** Requests per `METHOD route status`. */
export function countByRoute(requests: readonly AccessLogEntry[]): Record<string, number> {
  const byRoute: Record<string, number> = {};
  for (const r of requests) {
    const key = `${r.method} ${r.route} ${r.status}`;
    byRoute[key] = (byRoute[key] ?? 0) + 1;
  }
  return byRoute;
}

export function classifyTraffic(connections: number, requests: readonly AccessLogEntry[]): Traffic {
  const featureRequests = requests.filter(isFeatureRequest).length;
  const unmatched = requests.filter((r) => r.route === "unmatched").length;
  const byRoute = countByRoute(requests);
  const cls: TrafficClass = connections === 0 ? "offline" : featureRequests > 0 ? "exercised" : "no-feature";
  return { class: cls, connections, requests: requests.length, featureRequests, unmatched, byRoute };
}

export type Measurement =
  | {
      readonly ok: true;
      readonly traffic: Map<string, Traffic>;
      readonly requests: number;
      readonly unattributed: number;
      /** The unattributed requests per `METHOD route status` (the audit shows they are the runners'). */
      readonly outside: Readonly<Record<string, number>>;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * The whole measurement: the tests' connections (tests whose forwarder failed are absent) and the
 * server log's text. Fails, rather than guessing, when the log has no attributable request lines while
 * tests did connect (a server without `clientPort`, a log level above info, a lost log).
 */
export function measureTraffic(
  connections: ReadonlyMap<string, readonly Connection[]>,
  serverLog: string | undefined,
): Measurement {
  if (serverLog === undefined) return { ok: false, reason: "the server log could not be read" };
  const entries = parseAccessLog(serverLog);
  const connected = [...connections.values()].some((c) => c.length > 0);
  if (connected && entries.length === 0) {
    return {
      ok: false,
      reason:
        "the server log has no access-log lines with a client port (log level, or a server without clientPort)",
    };
  }
  const { byTest, unattributed } = attributeRequests(connections, entries);
  const traffic = new Map<string, Traffic>();
  for (const [test, conns] of connections)
    traffic.set(test, classifyTraffic(conns.length, byTest.get(test) ?? []));
  return {
    ok: true,
    traffic,
    requests: entries.length,
    unattributed: unattributed.length,
    outside: countByRoute(unattributed),
  };
}
