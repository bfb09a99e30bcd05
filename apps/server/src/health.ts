import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import type { Readiness } from "./http.ts";
import type { Logger } from "./logger.ts";
import type { HttpMetrics } from "./metrics.ts";

export type HealthCheck = { readonly name: string; check(): Promise<void> };

export type HealthDeps = {
  readonly readiness: Readiness;
  readonly checks: readonly HealthCheck[];
  readonly metrics: HttpMetrics;
  readonly log: Logger;
  /** When set, /metrics answers only `Authorization: Bearer <metricsToken>` (401 otherwise). */
  readonly metricsToken: string | undefined;
  /** Whether a credential may read diagnostics (a platform admin's): it sees the checks' error text. */
  readonly mayReadDiagnostics: (authorization: string) => Promise<boolean>;
};

/**
 * /healthz (the process answers), /readyz (every dependency answers), /metrics (Prometheus). /readyz
 * names a failing dependency and says `unavailable`; its error text goes to the log, and in the answer
 * only to a platform admin (it may carry hosts, paths and driver messages).
 */
export function healthRoutes(deps: HealthDeps) {
  const failing = new Map<string, string>();
  return new Elysia({ name: "health" })
    .get("/healthz", () => Response.json({ status: "ok" }))
    .get("/readyz", async ({ request }) => {
      if (!deps.readiness.ready || deps.readiness.draining) {
        const reason = deps.readiness.draining ? "shutting down" : deps.readiness.reason;
        return Response.json({ status: "unavailable", reason }, { status: 503 });
      }
      const results = await Promise.all(deps.checks.map((c) => runCheck(c)));
      for (const [name, error] of results) logTransition(deps.log, failing, name, error);
      const ok = results.every(([, error]) => error === undefined);
      const authorization = request.headers.get("authorization");
      const detailed = authorization
        ? await deps.mayReadDiagnostics(authorization).catch(() => false)
        : false;
      return Response.json(
        {
          status: ok ? "ok" : "unavailable",
          checks: Object.fromEntries(results.map(([name, error]) => [name, error ? "unavailable" : "ok"])),
          ...(detailed && !ok
            ? { errors: Object.fromEntries(results.filter(([, error]) => error !== undefined)) }
            : {}),
        },
        { status: ok ? 200 : 503 },
      );
    })
    .get("/metrics", async ({ request }) => {
      if (deps.metricsToken && !bearerMatches(request.headers.get("authorization"), deps.metricsToken)) {
        return Response.json(
          { status: "unauthorized", detail: "/metrics requires the metrics token" },
          { status: 401, headers: { "www-authenticate": 'Bearer realm="metrics"' } },
        );
      }
      return new Response(await deps.metrics.registry.metrics(), {
        headers: { "content-type": deps.metrics.registry.contentType },
      });
    });
}

/** `[name, undefined]` when the dependency answers, `[name, error text]` otherwise. */
async function runCheck(c: HealthCheck): Promise<readonly [string, string | undefined]> {
  try {
    await withTimeout(c.check(), 3000);
    return [c.name, undefined];
  } catch (err) {
    return [c.name, err instanceof Error ? err.message : String(err)];
  }
}

/** Logs a dependency's failure when it starts or its text changes, and its recovery; not every probe. */
function logTransition(log: Logger, failing: Map<string, string>, name: string, error: string | undefined) {
  const before = failing.get(name);
  if (error === undefined) {
    if (before !== undefined) log.info({ dependency: name }, "dependency available again");
    failing.delete(name);
  } else if (before !== error) {
    log.warn({ dependency: name, error }, "dependency unavailable");
    failing.set(name, error);
  }
}

function bearerMatches(authorization: string | null, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
