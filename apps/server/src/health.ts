import { Elysia } from "elysia";
import type { Readiness } from "./http.ts";
import type { HttpMetrics } from "./metrics.ts";

export type HealthCheck = { readonly name: string; check(): Promise<void> };

/** /healthz (the process answers), /readyz (every dependency answers), /metrics (Prometheus). */
export function healthRoutes(deps: {
  readiness: Readiness;
  checks: readonly HealthCheck[];
  metrics: HttpMetrics;
}) {
  return new Elysia({ name: "health" })
    .get("/healthz", () => Response.json({ status: "ok" }))
    .get("/readyz", async () => {
      if (!deps.readiness.ready) {
        return Response.json({ status: "unavailable", reason: deps.readiness.reason }, { status: 503 });
      }
      const results = await Promise.all(
        deps.checks.map(async (c) => {
          try {
            await withTimeout(c.check(), 3000);
            return [c.name, "ok"] as const;
          } catch (err) {
            return [c.name, err instanceof Error ? err.message : "unavailable"] as const;
          }
        }),
      );
      const ok = results.every(([, r]) => r === "ok");
      return Response.json(
        { status: ok ? "ok" : "unavailable", checks: Object.fromEntries(results) },
        { status: ok ? 200 : 503 },
      );
    })
    .get(
      "/metrics",
      async () =>
        new Response(await deps.metrics.registry.metrics(), {
          headers: { "content-type": deps.metrics.registry.contentType },
        }),
    );
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
