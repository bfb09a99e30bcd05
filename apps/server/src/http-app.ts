import {
  type AuthSurface,
  type CapabilitySigner,
  type JobTokens,
  phaseTokenTtlSeconds,
} from "@terrapod/auth";
import type { Services } from "@terrapod/core";
import type { Actor } from "@terrapod/kernel";
import { NotFoundError } from "@terrapod/kernel";
import type { ExecutorApi } from "@terrapod/runner-protocol";
import { createTfeApi } from "@terrapod/tfe-api";
import { Elysia } from "elysia";
import { bodySlackBytes } from "./body-drain.ts";
import { createClientLimits } from "./client-limits.ts";
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
  /** A credential on one surface: phase tokens work on theirs only (the job token on the runner API). */
  readonly authenticate: (authorization: string | null, surface: AuthSurface) => Promise<Actor>;
  readonly capabilities: CapabilitySigner;
  /** Issues the run-reader token the runner hands its engine. */
  readonly jobTokens: JobTokens;
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
  const limits = createClientLimits(
    {
      ratePerSecond: config.http.rateLimitPerSecond,
      authFailuresPerMinute: config.http.authFailuresPerMinute,
      trustedProxies: config.http.trustedProxies,
    },
    deps.authenticate,
    surfaceOf,
  );
  const app = new Elysia()
    .use(errorMapping(deps.log, routes))
    .use(
      healthRoutes({
        readiness: deps.readiness,
        checks: deps.checks,
        metrics,
        log: deps.log,
        metricsToken: config.http.metricsToken,
        mayReadDiagnostics: async (authorization) =>
          services.access.canOnSite(await limits.authenticate(authorization, "tfe"), "site:read-diagnostics"),
      }),
    )
    .use(
      createTfeApi({
        ...services,
        authenticate: (authorization) => limits.authenticate(authorization, "tfe"),
        capabilities: deps.capabilities,
        publicUrl: config.http.publicUrl,
        limits: { jsonBodyBytes },
        transfer: pacedTransfer(),
      }),
    )
    .use(
      runnerApiRoutes({
        authenticate: (authorization) => limits.authenticate(authorization, "runner"),
        runReaderToken: (job) => deps.jobTokens.issue(job, phaseTokenTtlSeconds, "run-reader"),
        publicUrl: config.http.publicUrl,
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
        authenticate: (authorization) => limits.authenticate(authorization, "executor"),
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
    limits,
    maxBodyBytes: config.http.maxBodyBytes,
    // Up to what Bun itself accepts (server.ts), for at most 30 s.
    bodyDrain: { maxBytes: config.http.maxBodyBytes + bodySlackBytes, maxMs: 30_000 },
    routes,
  });
}

/**
 * The surface a request's credential is presented on, as its routes will authenticate it (the edge
 * authenticates once for the rate limits, and the routes reuse that result).
 */
function surfaceOf(req: Request): AuthSurface {
  const path = new URL(req.url).pathname;
  if (path.startsWith("/api/runner/v1/executors/")) return "executor";
  if (path.startsWith("/api/runner/")) return "runner";
  return "tfe";
}
