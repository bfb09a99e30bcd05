import type { CapabilitySigner } from "@terrapod/auth";
import type { Services } from "@terrapod/core";
import type { Actor } from "@terrapod/kernel";
import { NotFoundError } from "@terrapod/kernel";
import type { ExecutorApi } from "@terrapod/runner-protocol";
import { createTfeApi } from "@terrapod/tfe-api";
import { Elysia } from "elysia";
import type { ServerConfig } from "./config.ts";
import { executorRoutes } from "./executor-routes.ts";
import { type HealthCheck, healthRoutes } from "./health.ts";
import { createEdge, errorMapping, type Readiness, type RouteMemo } from "./http.ts";
import type { Logger } from "./logger.ts";
import { createHttpMetrics } from "./metrics.ts";
import { runnerApiRoutes } from "./runner-api.ts";
import { pacedTransfer } from "./transfer.ts";

export type HttpAppDeps = {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly services: Services;
  readonly authenticate: (authorization: string | null) => Promise<Actor>;
  readonly capabilities: CapabilitySigner;
  readonly executors: ExecutorApi;
  readonly readiness: Readiness;
  readonly checks: readonly HealthCheck[];
};

/**
 * Every HTTP surface of the server behind one edge (request ids, readiness gate, rate limit, TFE headers,
 * metrics, access log): health, the TFE V2 API, the runner protocol and the executor API. The web UI's
 * `/trpc`, the UI itself, VCS webhooks and the registry protocols mount here too, as Elysia plugins.
 */
export function createHttpApp(deps: HttpAppDeps) {
  const { config, services } = deps;
  const metrics = createHttpMetrics();
  const routes: RouteMemo = new WeakMap();
  const jsonBodyBytes = config.http.maxJsonBytes;
  const app = new Elysia()
    .use(errorMapping(deps.log, routes))
    .use(healthRoutes({ readiness: deps.readiness, checks: deps.checks, metrics }))
    .use(
      createTfeApi({
        ...services,
        authenticate: deps.authenticate,
        capabilities: deps.capabilities,
        publicUrl: config.http.publicUrl,
        limits: { jsonBodyBytes },
        transfer: pacedTransfer(),
      }),
    )
    .use(
      runnerApiRoutes({
        authenticate: deps.authenticate,
        jobs: services.jobs,
        runs: services.runs,
        stateDownload: async (actor, workspaceId) => {
          const current = await services.stateVersions.current(actor, workspaceId).catch((err: unknown) => {
            if (err instanceof NotFoundError) return undefined;
            throw err;
          });
          return current ? services.stateVersions.download(actor, current.id, "raw") : undefined;
        },
        configurationDownload: (actor, cvId) => services.configurationVersions.download(actor, cvId),
        limits: { jsonBodyBytes, logChunkBytes: 4 * 1024 * 1024 },
      }),
    )
    .use(
      executorRoutes({
        authenticate: deps.authenticate,
        access: services.access,
        executors: deps.executors,
        limits: { jsonBodyBytes },
      }),
    );
  return createEdge({
    app,
    log: deps.log,
    metrics,
    readiness: deps.readiness,
    rateLimitPerSecond: config.http.rateLimitPerSecond,
    routes,
  });
}
