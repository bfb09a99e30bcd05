import { AsyncLocalStorage } from "node:async_hooks";
import { BlockList, isIP } from "node:net";
import { StalePhaseTokenError } from "@terrapod/auth";
import { type Actor, UnauthenticatedError } from "@terrapod/kernel";
import { createRateLimiter } from "./rate-limit.ts";

export type ClientLimitsConfig = {
  /** Requests per second per client (a principal, or an address without a valid credential). */
  readonly ratePerSecond: number;
  /** Failed authentications per minute per address; then invalid credentials from it get 429. */
  readonly authFailuresPerMinute: number;
  /** Proxies (addresses, CIDRs) whose `X-Forwarded-For` names the client. */
  readonly trustedProxies: readonly string[];
};

/** The edge's verdict on one request: refused (429, with the wait), or admitted and run. */
export type Admission =
  | { readonly allowed: false; readonly waitSeconds: number; readonly detail: string }
  | { readonly allowed: true; run<T>(handle: () => Promise<T>): Promise<T> };

export type ClientLimits<S extends string> = {
  /**
   * Identifies the client (a valid credential's principal, else the address the trusted proxies
   * report) and takes one request from its budget; an invalid credential also spends the address's
   * failed-authentication budget.
   */
  admit(req: Request, socketAddress: string | undefined, nowMs: number): Promise<Admission>;
  /**
   * The authenticator the routes use: within an admitted request, the edge's own result for the same
   * Authorization header on the same surface (one token lookup per request), otherwise a fresh one.
   */
  authenticate(authorization: string | null, surface: S): Promise<Actor>;
};

type Authenticated = {
  readonly authorization: string;
  readonly surface: string;
  readonly actor: Promise<Actor>;
};

/** Per-principal and per-address rate limits, and a per-address limit on failed authentications. */
export function createClientLimits<S extends string>(
  config: ClientLimitsConfig,
  authenticate: (authorization: string | null, surface: S) => Promise<Actor>,
  surfaceOf: (req: Request) => S,
): ClientLimits<S> {
  const requests = createRateLimiter(config.ratePerSecond);
  const failures = createRateLimiter(config.authFailuresPerMinute / 60, config.authFailuresPerMinute);
  const proxies = trustedProxyList(config.trustedProxies);
  const current = new AsyncLocalStorage<Authenticated>();
  const admitted = (auth: Authenticated | undefined): Admission => ({
    allowed: true,
    run: (handle) => (auth ? current.run(auth, handle) : handle()),
  });
  const refused = (waitSeconds: number, detail: string): Admission => ({
    allowed: false,
    waitSeconds,
    detail,
  });

  return {
    async admit(req, socketAddress, nowMs) {
      const address = clientAddress(socketAddress, req.headers.get("x-forwarded-for"), proxies);
      const authorization = req.headers.get("authorization");
      let key = `a:${address}`;
      let auth: Authenticated | undefined;
      if (authorization) {
        const surface = surfaceOf(req);
        auth = { authorization, surface, actor: authenticate(authorization, surface) };
        const outcome = await auth.actor.then(
          (actor) => ({ actor }),
          (err: unknown) => ({ err }),
        );
        if ("actor" in outcome) key = principalKey(outcome.actor) ?? key;
        // A genuine phase token whose phase is over is no guess: it does not spend the budget.
        else if (
          outcome.err instanceof UnauthenticatedError &&
          !(outcome.err instanceof StalePhaseTokenError)
        ) {
          const wait = failures.take(address, nowMs);
          if (wait > 0)
            return refused(wait, "too many failed authentications from this address; retry later");
        }
      }
      const wait = requests.take(key, nowMs);
      return wait > 0 ? refused(wait, "rate limit exceeded; retry later") : admitted(auth);
    },
    authenticate(authorization, surface) {
      const auth = current.getStore();
      const same = auth && auth.authorization === authorization && auth.surface === surface;
      return same ? auth.actor : authenticate(authorization, surface);
    },
  };
}

/** The rate-limit key of a principal: a user (all of its tokens), an organization token, a run. */
function principalKey(actor: Actor): string | undefined {
  switch (actor.kind) {
    case "user":
      return `u:${actor.userId}`;
    case "organization-token":
      return `o:${actor.tokenId}`;
    case "run":
    case "run-reader":
      return `r:${actor.runId}`;
    default:
      return undefined;
  }
}

export type ProxyList = { readonly blocks: BlockList; readonly empty: boolean };

export function trustedProxyList(entries: readonly string[]): ProxyList {
  const blocks = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const type = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) blocks.addAddress(address, type);
    else blocks.addSubnet(address, Number(prefix), type);
  }
  return { blocks, empty: entries.length === 0 };
}

function trusted(proxies: ProxyList, address: string): boolean {
  const family = isIP(address);
  if (proxies.empty || family === 0) return false;
  return proxies.blocks.check(address, family === 6 ? "ipv6" : "ipv4");
}

/**
 * The client's address: the socket's, unless the socket is a trusted proxy; then the nearest address in
 * `X-Forwarded-For` that is not itself a trusted proxy (read from the right: only the part the trusted
 * proxies appended is believed; what the client wrote at the left is not).
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | null,
  proxies: ProxyList,
): string {
  const socket = normalize(socketAddress ?? "unknown");
  if (!forwardedFor || !trusted(proxies, socket)) return socket;
  const hops = forwardedFor
    .split(",")
    .map((h) => normalize(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? "";
    if (isIP(hop) === 0) return socket;
    if (!trusted(proxies, hop)) return hop;
  }
  return hops[0] ?? socket;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`, so one client has one key whichever way it connected. */
function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}
