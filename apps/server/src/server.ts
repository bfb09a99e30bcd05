import { createArchiveInspector } from "@terrapod/archive";
import { createAuthenticator, type JobTokens, phaseTokenTtlSeconds } from "@terrapod/auth";
import { createServices, type Services } from "@terrapod/core";
import type { DbHandle } from "@terrapod/db";
import { randomIds, systemClock } from "@terrapod/kernel";
import { executorTopics } from "@terrapod/runner-protocol";
import { type Adapters, createAdapters } from "./adapters.ts";
import { bodySlackBytes } from "./body-drain.ts";
import type { ServerConfig } from "./config.ts";
import { createEngineCatalog } from "./engines.ts";
import { createExecutorGateway } from "./executor/executor-gateway.ts";
import { createLocalExecutor } from "./executor/local-executor.ts";
import type { HealthCheck } from "./health.ts";
import type { Readiness } from "./http.ts";
import { createHttpApp } from "./http-app.ts";
import type { Logger } from "./logger.ts";
import { startBackground } from "./startup.ts";

export type RunningServer = {
  readonly url: URL;
  /** Resolves once the database is migrated and bootstrapped. */
  readonly ready: Promise<void>;
  readonly services: Services;
  /** Issues job tokens (tests act as a runner with them). */
  readonly jobTokens: JobTokens;
  /** Graceful: stops accepting, finishes in-flight requests, closes pools. */
  stop(): Promise<void>;
};

export type StartOptions = {
  readonly log: Logger;
  /** Receives a generated admin token exactly once, on first start (main prints it to the console). */
  readonly onGeneratedAdminToken?: (token: string) => void;
  /** An already opened database (tests pass a clone of a migrated template); closed on stop. */
  readonly db?: DbHandle;
};

/** Of the shutdown grace, the end is kept for HTTP requests in flight, then for closing the pools. */
const shutdownReserveMs = { http: 500, close: 500 };

/** The composition root: adapters → services → HTTP(S) → background work (migrations first). */
export async function startServer(config: ServerConfig, opts: StartOptions): Promise<RunningServer> {
  const { log } = opts;
  const readiness: Readiness = { ready: false, reason: "starting" };
  const adapters = await createAdapters(config, opts.db);
  const services = buildServices(config, adapters);
  const authenticator = createAuthenticator({
    resolveToken: (s) => services.resolveToken(s),
    jobTokens: adapters.jobTokens,
    // Phase tokens die with their phase: the scope exists only while the phase is the run's current one.
    jobScope: (phase) => services.jobs.scope(phase),
  });
  const gateway = createExecutorGateway({
    jobs: services.jobs,
    bus: adapters.events.bus,
    jobTokens: adapters.jobTokens,
    jobTokenTtlSeconds: phaseTokenTtlSeconds,
  });
  await gateway.start();
  const edge = createHttpApp({
    config,
    log,
    services,
    authenticate: (authorization, surface) => authenticator.authenticate(authorization, surface),
    capabilities: adapters.capabilities,
    jobTokens: adapters.jobTokens,
    executors: gateway,
    readiness,
    checks: healthChecks(config, adapters),
  });
  const handlers = createHandlerCount();
  const server = listen(config, log, edge, handlers);
  const scheme = config.http.tls ? "https" : "http";
  const url = config.http.publicUrl ?? new URL(`${scheme}://localhost:${server.port}`);
  log.info(
    { url: url.toString(), port: server.port, tls: Boolean(config.http.tls), mode: config.mode },
    "listening",
  );
  const executor =
    config.runs.executor === "local"
      ? createLocalExecutor(config, log, gateway, `${scheme}://127.0.0.1:${server.port}`, services.jobs)
      : undefined;
  const background = startBackground({
    config,
    log,
    db: adapters.db,
    services,
    readiness,
    blobs: adapters.rawBlobs,
    executor,
    ...(opts.onGeneratedAdminToken ? { onGeneratedAdminToken: opts.onGeneratedAdminToken } : {}),
  });

  return {
    url,
    ready: background.ready,
    services,
    jobTokens: adapters.jobTokens,
    async stop() {
      // All of it within the grace: the executor drains first while HTTP answers (runners report over
      // it; /readyz already says no), then HTTP finishes what is in flight, cut at the deadline.
      const deadline = Date.now() + config.http.shutdownGraceMs;
      readiness.draining = true;
      await background.stop(deadline - Date.now() - shutdownReserveMs.http - shutdownReserveMs.close);
      readiness.ready = false;
      readiness.reason = "shutting down";
      const graceful = server.stop(false);
      const cut = Math.max(0, deadline - Date.now() - shutdownReserveMs.close);
      const timer = setTimeout(() => server.stop(true), cut);
      await graceful;
      clearTimeout(timer);
      // Handlers of requests cut at the deadline still clean up (an upload's claim) before the pools close.
      while (handlers.running > 0 && Date.now() < deadline) await Bun.sleep(20);
      await gateway.close();
      await adapters.close();
      log.info({ ms: config.http.shutdownGraceMs - (deadline - Date.now()) }, "shutdown complete");
    },
  };
}

function buildServices(config: ServerConfig, adapters: Adapters): Services {
  const publish = (topic: string, payload: unknown) =>
    void adapters.events.bus.publish(topic, payload).catch(() => {});
  return createServices({
    db: adapters.db.db,
    blobs: adapters.blobs,
    secrets: adapters.secrets,
    logs: adapters.events.logs,
    inspectArchive: createArchiveInspector(),
    engines: createEngineCatalog(config.runs.binaryDir),
    signals: {
      runQueued: () => publish(executorTopics.runQueued, {}),
      stopJob: (runId, force) => publish(executorTopics.stopJob, { runId, force }),
    },
    limits: { maxStateBytes: config.http.maxBodyBytes, maxArchiveBytes: config.http.maxBodyBytes },
    runs: { heartbeatIntervalSeconds: config.runs.heartbeatIntervalSeconds },
    features: { remoteOperations: true },
    clock: systemClock,
    ids: randomIds,
  });
}

function healthChecks(config: ServerConfig, adapters: Adapters): HealthCheck[] {
  const checks: HealthCheck[] = [
    { name: "database", check: () => adapters.db.ping() },
    { name: "storage", check: () => adapters.rawBlobs.ping() },
  ];
  if (config.redis) checks.push({ name: "redis", check: () => adapters.events.ping() });
  return checks;
}

/** Request handlers still running (Bun's `pendingRequests` drops when a connection is cut, before they end). */
function createHandlerCount() {
  let running = 0;
  return {
    track<T>(handling: Promise<T>): Promise<T> {
      running += 1;
      return handling.finally(() => {
        running -= 1;
      });
    },
    get running() {
      return running;
    },
  };
}

function listen(
  config: ServerConfig,
  log: Logger,
  edge: ReturnType<typeof createHttpApp>,
  handlers: ReturnType<typeof createHandlerCount>,
) {
  return Bun.serve({
    hostname: config.http.host,
    port: config.http.port,
    // Slack above our own limit, so an oversized upload meets our check (a JSON:API 413), not Bun's.
    maxRequestBodySize: config.http.maxBodyBytes + bodySlackBytes,
    idleTimeout: 120,
    ...(config.http.tls ? { tls: { cert: config.http.tls.cert, key: config.http.tls.key } } : {}),
    fetch: (req, srv) => {
      const client = srv.requestIP(req);
      return handlers.track(edge(req, client?.address, client?.port));
    },
    error: (err) => {
      log.error({ err }, "request failed outside the handler");
      return new Response(null, { status: 500 });
    },
  });
}
