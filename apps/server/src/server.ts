import { join } from "node:path";
import { createAuthenticator, createCapabilitySigner, createJobTokens, type JobTokens } from "@terrapod/auth";
import { bootstrapSite } from "@terrapod/core";
import { createDb, type DbHandle, describeDbError, isConnectionError } from "@terrapod/db";
import { createMemoryEvents, type Events } from "@terrapod/events";
import {
  NotFoundError,
  type OrganizationName,
  type RunId,
  randomIdPart,
  randomIds,
  systemClock,
  type WorkspaceId,
} from "@terrapod/kernel";
import { createArchiveInspector } from "@terrapod/runner-protocol";
import {
  type BlobStore,
  createEncryptedBlobStore,
  createFsBlobStore,
  createSecretBox,
  parseKeyring,
} from "@terrapod/storage";
import { createTfeApi } from "@terrapod/tfe-api";
import { Elysia } from "elysia";
import type { ServerConfig } from "./config.ts";
import { createEngineCatalog } from "./engines.ts";
import {
  createLocalExecutor,
  defaultRunnerCommand,
  runQueuedTopic,
  stopJobTopic,
} from "./executor/local-executor.ts";
import { type HealthCheck, healthRoutes } from "./health.ts";
import { createEdge, errorMapping, type Readiness, type RouteMemo } from "./http.ts";
import { deriveCapabilityKey, resolveKeyringSpec } from "./keyring.ts";
import type { Logger } from "./logger.ts";
import { createHttpMetrics } from "./metrics.ts";
import { runnerApiRoutes } from "./runner-api.ts";
import { createServices, type Services } from "./services.ts";
import { startSubsystems } from "./subsystems.ts";
import { pacedTransfer } from "./transfer.ts";

export type RunningServer = {
  readonly url: URL;
  /** Resolves once the database is migrated and bootstrapped. */
  readonly ready: Promise<void>;
  readonly services: Services;
  /** Issues job tokens (tests act as a runner with them; external executors will too). */
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

/** The composition root: builds every adapter and service from config and serves HTTP(S). */
export async function startServer(config: ServerConfig, opts: StartOptions): Promise<RunningServer> {
  const { log } = opts;
  const readiness: Readiness = { ready: false, reason: "starting" };
  const metrics = createHttpMetrics();
  const routes: RouteMemo = new WeakMap();

  const keyring = parseKeyring(await resolveKeyringSpec(config));
  // The AWS SDK and ioredis load only when configured: the embedded shape starts faster without them.
  const rawBlobs: BlobStore = config.s3
    ? (await import("@terrapod/storage/s3")).createS3BlobStore({
        bucket: config.s3.bucket,
        endpoint: config.s3.endpoint,
        region: config.s3.region,
        forcePathStyle: true,
        credentials:
          config.s3.accessKeyId && config.s3.secretAccessKey
            ? {
                accessKeyId: config.s3.accessKeyId,
                secretAccessKey: config.s3.secretAccessKey,
                ...(config.s3.sessionToken ? { sessionToken: config.s3.sessionToken } : {}),
              }
            : undefined,
      })
    : createFsBlobStore({ root: join(config.dataDir, "blobs") });
  const blobs = createEncryptedBlobStore(rawBlobs, keyring);
  const events: Events = config.redis
    ? (await import("@terrapod/events/redis")).createRedisEvents({
        url: config.redis.url,
        keyPrefix: "terrapod:",
      })
    : createMemoryEvents();

  // PGlite opens here (seconds on a first start); PostgreSQL connects lazily, so this never blocks on it.
  const dbHandle: DbHandle = opts.db ?? (await createDb(config.db));
  const engines = createEngineCatalog(config.runs.binaryDir);
  const services: Services = createServices({
    db: dbHandle.db,
    blobs,
    secrets: createSecretBox(keyring),
    logs: events.logs,
    inspectArchive: createArchiveInspector(),
    engines,
    signals: {
      runQueued: () => void events.bus.publish(runQueuedTopic, {}).catch(() => {}),
      stopJob: (runId, force) => void events.bus.publish(stopJobTopic, { runId, force }).catch(() => {}),
    },
    limits: { maxStateBytes: config.http.maxBodyBytes, maxArchiveBytes: config.http.maxBodyBytes },
    runs: {
      heartbeatIntervalSeconds: config.runs.heartbeatIntervalSeconds,
      staleAfterSeconds: config.runs.staleAfterSeconds,
    },
    features: { remoteOperations: true },
    clock: systemClock,
    ids: randomIds,
  });
  const capabilities = createCapabilitySigner(deriveCapabilityKey(keyring), systemClock);
  const jobTokens = createJobTokens(capabilities);
  const authenticator = createAuthenticator({
    resolveToken: (s) => services.resolveToken(s),
    resolveJobToken: async (token) => {
      const claims = jobTokens.verify(token);
      if (!claims) return undefined;
      const scope = await services.runs.execution.scope(claims.runId);
      if (!scope) return undefined;
      return {
        kind: "run",
        runId: claims.runId as RunId,
        workspaceId: scope.workspaceId as WorkspaceId,
        organization: scope.organization as OrganizationName,
        phase: claims.phase,
        attempt: claims.attempt,
      };
    },
  });
  const authenticate = (authorization: string | null) => authenticator.authenticate(authorization);

  const checks: HealthCheck[] = [
    {
      name: "database",
      check: () => dbHandle.ping(),
    },
    { name: "storage", check: () => rawBlobs.ping() },
  ];
  if (config.redis) checks.push({ name: "redis", check: () => events.ping() });

  const app = new Elysia()
    .use(errorMapping(log, routes))
    .use(healthRoutes({ readiness, checks, metrics }))
    .use(
      createTfeApi({
        authenticate,
        capabilities,
        publicUrl: config.http.publicUrl,
        organizations: services.organizations,
        workspaces: services.workspaces,
        projects: services.projects,
        tags: services.tags,
        stateVersions: services.stateVersions,
        variables: services.variables,
        variableSets: services.variableSets,
        configurationVersions: services.configurationVersions,
        runs: services.runs,
        users: services.users,
        limits: { jsonBodyBytes: config.http.maxJsonBytes },
        transfer: pacedTransfer(),
      }),
    )
    .use(
      runnerApiRoutes({
        authenticate,
        runs: services.runs,
        stateDownload: async (actor, workspaceId) => {
          const current = await services.stateVersions.current(actor, workspaceId).catch((err: unknown) => {
            if (err instanceof NotFoundError) return undefined;
            throw err;
          });
          return current ? services.stateVersions.download(actor, current.id, "raw") : undefined;
        },
        configurationDownload: (actor, cvId) => services.configurationVersions.download(actor, cvId),
        limits: { jsonBodyBytes: config.http.maxJsonBytes, logChunkBytes: 4 * 1024 * 1024 },
      }),
    );

  const edge = createEdge({
    app,
    log,
    metrics,
    readiness,
    rateLimitPerSecond: config.http.rateLimitPerSecond,
    routes,
  });

  const server = Bun.serve({
    hostname: config.http.host,
    port: config.http.port,
    // Slack above our own limit, so an oversized upload meets the streaming check (a JSON:API 413), not Bun's.
    maxRequestBodySize: config.http.maxBodyBytes + 1024 * 1024,
    idleTimeout: 120,
    ...(config.http.tls ? { tls: { cert: config.http.tls.cert, key: config.http.tls.key } } : {}),
    fetch: (req, srv) => edge(req, srv.requestIP(req)?.address),
    error: (err) => {
      log.error({ err }, "request failed outside the handler");
      return new Response(null, { status: 500 });
    },
  });
  const scheme = config.http.tls ? "https" : "http";
  const url = config.http.publicUrl ?? new URL(`${scheme}://localhost:${server.port}`);
  log.info(
    { url: url.toString(), port: server.port, tls: Boolean(config.http.tls), mode: config.mode },
    "listening",
  );

  const executorId = `local:${randomIdPart(10)}`;
  const executor = createLocalExecutor({
    executorId,
    runs: services.runs,
    bus: events.bus,
    jobTokens,
    log,
    serverUrl: `${scheme}://127.0.0.1:${server.port}`,
    insecureLoopback: Boolean(config.http.tls),
    binaryDir: config.runs.binaryDir,
    providerMirror: config.runs.providerMirror,
    workDir: join(config.dataDir, "runner"),
    concurrency: config.runs.concurrency,
    runnerCommand: defaultRunnerCommand(),
    killAfterMs: 60_000,
  });
  let background: { stop(): Promise<void> } | undefined;

  let stopping = false;
  const ready = (async () => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await dbHandle.migrate();
        break;
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        const wait = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
        readiness.reason = `database unavailable: ${describeDbError(err)}`;
        log.warn({ attempt, retryInMs: wait }, readiness.reason);
        await Bun.sleep(wait);
      }
    }
    const boot = await bootstrapSite(
      { db: dbHandle.db, clock: systemClock, ids: randomIds },
      { adminToken: config.adminToken },
    );
    if (boot.created) {
      log.info({ organization: "default", user: "admin" }, "bootstrapped a new site");
      if (boot.generatedToken) opts.onGeneratedAdminToken?.(boot.generatedToken);
    }
    if (config.runs.executor === "local") {
      if (config.mode === "embedded") {
        // One process owns every local job: whatever a previous process left running is lost now.
        const reaped = await services.runs.execution.reap({
          claimedBy: (c) => c !== executorId && c?.startsWith("local:") === true,
        });
        if (reaped > 0) log.warn({ reaped }, "ended phases left running by a previous process");
      }
      await executor.start();
    }
    background = startSubsystems(
      [
        {
          name: "run-sweeper",
          intervalMs: 15_000,
          tick: async () => {
            const staleBefore = new Date(Date.now() - config.runs.staleAfterSeconds * 1000);
            await services.runs.execution.reap({ heartbeatBefore: staleBefore });
            for (const ws of await services.runs.execution.pendingWorkspaces()) {
              await services.runs.execution.schedule(ws);
            }
          },
        },
      ],
      log,
    );
    readiness.ready = true;
    readiness.reason = "ready";
  })();
  ready.catch((err) => {
    readiness.reason = `startup failed: ${err instanceof Error ? err.message : String(err)}`;
    log.error({ err }, "startup failed");
  });

  return {
    url,
    ready,
    services,
    jobTokens,
    async stop() {
      stopping = true;
      await background?.stop();
      // Runners report back over HTTP, so they are stopped while the server still answers.
      if (config.runs.executor === "local") await executor.stop(config.http.shutdownGraceMs);
      readiness.ready = false;
      readiness.reason = "shutting down";
      const graceful = server.stop(false);
      const timer = setTimeout(() => server.stop(true), config.http.shutdownGraceMs);
      await graceful;
      clearTimeout(timer);
      await ready.catch(() => {});
      await events.close();
      await dbHandle.close();
    },
  };
}
