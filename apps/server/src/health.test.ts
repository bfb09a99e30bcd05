import { describe, expect, test } from "bun:test";
import { healthRoutes } from "./health.ts";
import { createLogger } from "./logger.ts";
import { createHttpMetrics } from "./metrics.ts";

const failure = "connect ECONNREFUSED 10.0.0.7:5432 (user terrapod, /var/run/secret)";

function app(opts: { metricsToken?: string; ready?: boolean; reason?: string } = {}) {
  const lines: string[] = [];
  const routes = healthRoutes({
    readiness: { ready: opts.ready ?? true, reason: opts.reason ?? "ready" },
    checks: [
      { name: "database", check: async () => {} },
      {
        name: "storage",
        check: async () => {
          throw new Error(failure);
        },
      },
    ],
    metrics: createHttpMetrics(),
    log: createLogger({ level: "info" }, { write: (line: string) => void lines.push(line) }),
    metricsToken: opts.metricsToken,
    mayReadDiagnostics: async (authorization) => authorization === "Bearer platform-admin",
  });
  return { routes, lines };
}

const get = (path: string, authorization?: string) =>
  new Request(`http://terrapod${path}`, { headers: authorization ? { authorization } : {} });

describe("/readyz", () => {
  test("names the failing dependency; its error text goes to the log, not to an anonymous caller", async () => {
    const { routes, lines } = app();
    const res = await routes.handle(get("/readyz"));
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: "unavailable",
      checks: { database: "ok", storage: "unavailable" },
    });
    expect(text).not.toContain("ECONNREFUSED");
    expect(lines.join("")).toContain(failure);
    // logged when it starts failing, not on every probe
    await routes.handle(get("/readyz"));
    expect(lines.filter((l) => l.includes("dependency unavailable"))).toHaveLength(1);
  });

  test("a platform admin sees the error text; another credential does not", async () => {
    const { routes } = app();
    const admin = (await (await routes.handle(get("/readyz", "Bearer platform-admin"))).json()) as {
      errors?: Record<string, string>;
    };
    expect(admin.errors).toEqual({ storage: failure });
    const other = await (await routes.handle(get("/readyz", "Bearer someone-else"))).text();
    expect(other).not.toContain("ECONNREFUSED");
  });

  test("not ready: the public reason only", async () => {
    const { routes } = app({ ready: false, reason: "database unavailable" });
    const res = await routes.handle(get("/readyz"));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "unavailable", reason: "database unavailable" });
  });
});

describe("/metrics", () => {
  test("open without a metrics token", async () => {
    const res = await app().routes.handle(get("/metrics"));
    expect(res.status).toBe(200);
  });

  test("with TERRAPOD_METRICS_TOKEN: 401 without it or with another, 200 with it", async () => {
    const { routes } = app({ metricsToken: "scrape-token-0123456789" });
    const none = await routes.handle(get("/metrics"));
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await routes.handle(get("/metrics", "Bearer scrape-token-012345678"))).status).toBe(401);
    expect((await routes.handle(get("/metrics", "Bearer platform-admin"))).status).toBe(401);
    const ok = await routes.handle(get("/metrics", "Bearer scrape-token-0123456789"));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("terrapod_http_requests_total");
  });
});
