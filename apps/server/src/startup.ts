import { bootstrapSite, type Services } from "@terrapod/core";
import { type DbHandle, describeDbError, isConnectionError } from "@terrapod/db";
import { randomIds, systemClock } from "@terrapod/kernel";
import type { BlobStore } from "@terrapod/storage";
import { autoDestroySweeper } from "./auto-destroy.ts";
import type { ServerConfig } from "./config.ts";
import { endPreviousRunners } from "./executor/previous-runners.ts";
import type { Readiness } from "./http.ts";
import type { Logger } from "./logger.ts";
import { type Subsystem, startSubsystems } from "./subsystems.ts";

/** The server's own executor, when it runs phases itself (`TERRAPOD_EXECUTOR=local`). */
export type LocalExecutor = {
  /** Executor ids of this process start with this prefix. */
  readonly executorId: string;
  /** Waits for what runs need (the sandbox); a failure fails startup. */
  prepare(): Promise<void>;
  start(): void;
  stop(graceMs: number): Promise<void>;
};

export type StartupDeps = {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly db: DbHandle;
  readonly services: Services;
  readonly readiness: Readiness;
  /** The raw blob store (the sweeper removes what killed uploads left in it). */
  readonly blobs: Pick<BlobStore, "sweepIncompleteUploads">;
  readonly executor: LocalExecutor | undefined;
  readonly onGeneratedAdminToken?: (token: string) => void;
};

export type Background = {
  /** Resolves once the database is migrated and bootstrapped and the background work runs. */
  readonly ready: Promise<void>;
  /** Stops the loops and drains the executor within `executorGraceMs` (drain.ts). */
  stop(executorGraceMs: number): Promise<void>;
};

/**
 * How long a stop waits for the startup to reach its next step, where it notices the stop: a migration
 * hanging on an unreachable database is not waited for (nothing starts after it anyway).
 */
const startupStopWaitMs = 1000;

/**
 * Migrate → bootstrap → executor → background loops, in the background of a listening server. Once
 * `stop()` was called nothing more starts: each step checks before the next one begins.
 */
export function startBackground(deps: StartupDeps): Background {
  const { log, readiness } = deps;
  const stopping = new AbortController();
  const stopped = () => stopping.signal.aborted;
  let loops: { stop(): Promise<void> } | undefined;
  const ready = (async () => {
    await migrate(deps, stopping.signal);
    if (stopped()) return;
    await bootstrap(deps);
    if (stopped()) return;
    if (deps.executor) {
      await deps.executor.prepare();
      if (stopped()) return;
      await reapPreviousProcess(deps, deps.executor.executorId);
      if (stopped()) return;
      deps.executor.start();
    }
    loops = startSubsystems([runSweeper(deps), autoDestroySweeper(deps)], {
      log,
      exclusive: (key, fn) => deps.db.exclusive(key, fn),
    });
    readiness.ready = true;
    readiness.reason = "ready";
  })();
  ready.catch((err) => {
    if (stopped()) {
      log.debug({ err }, "startup cut short by the shutdown");
      return;
    }
    // The reason is public (503 answers, /readyz); the error text goes to the log only.
    readiness.reason = "startup failed";
    log.error({ err }, "startup failed");
  });
  return {
    ready,
    async stop(executorGraceMs) {
      const started = Date.now();
      stopping.abort();
      await settledWithin(ready, Math.min(startupStopWaitMs, executorGraceMs));
      await loops?.stop();
      // Runners report back over HTTP, so they are stopped while the server still answers.
      await deps.executor?.stop(Math.max(0, executorGraceMs - (Date.now() - started)));
    },
  };
}

/** Migrations, retried while the database cannot be reached (the server answers 503 meanwhile). */
async function migrate(deps: StartupDeps, stop: AbortSignal): Promise<void> {
  for (let attempt = 1; !stop.aborted; attempt++) {
    try {
      await deps.db.migrate();
      return;
    } catch (err) {
      if (stop.aborted) return;
      if (!isConnectionError(err)) throw err;
      const wait = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
      // Public: which dependency; the driver's text (hosts, ports) only in the log.
      deps.readiness.reason = "database unavailable";
      deps.log.warn({ attempt, retryInMs: wait }, `database unavailable: ${describeDbError(err)}`);
      await sleep(wait, stop);
    }
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Resolves when `p` settles or after `ms`, whichever comes first. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

async function bootstrap(deps: StartupDeps): Promise<void> {
  const boot = await bootstrapSite(
    { db: deps.db.db, clock: systemClock, ids: randomIds },
    { adminToken: deps.config.adminToken },
  );
  if (!boot.created) return;
  deps.log.info({ organization: "default", user: "admin" }, "bootstrapped a new site");
  if (boot.generatedToken) deps.onGeneratedAdminToken?.(boot.generatedToken);
}

/**
 * Phases a previous process of this server left running are lost: their runners are stopped (if they
 * still run) before the phases end, so no two engines ever work on one workspace (previous-runners.ts).
 */
async function reapPreviousProcess(deps: StartupDeps, executorId: string): Promise<void> {
  await endPreviousRunners({ jobs: deps.services.jobs, log: deps.log, mode: deps.config.mode, executorId });
}

/** Uploads a dead process left (S3 multipart uploads, temp files) are removed once this old. */
const abandonedUploadAgeMs = 3600_000;
/** How often the sweeper looks for them (on its first tick, then at this pace). */
const uploadSweepEveryMs = 10 * 60_000;

/**
 * Ends phases whose runner went quiet, re-arms workspaces whose wake-up was lost, and now and then
 * removes what uploads cut by a dead process left in the blob store; once per site.
 */
function runSweeper(deps: StartupDeps): Subsystem {
  const { jobs } = deps.services;
  let uploadsSweptAt = 0;
  return {
    name: "run-sweeper",
    intervalMs: 15_000,
    exclusive: true,
    async tick() {
      const staleBefore = new Date(Date.now() - deps.config.runs.staleAfterSeconds * 1000);
      await jobs.reap({ heartbeatBefore: staleBefore });
      for (const ws of await jobs.pendingWorkspaces()) await jobs.schedule(ws);
      if (Date.now() - uploadsSweptAt < uploadSweepEveryMs) return;
      uploadsSweptAt = Date.now();
      const swept = await deps.blobs.sweepIncompleteUploads(new Date(Date.now() - abandonedUploadAgeMs));
      if (swept > 0) deps.log.info({ swept }, "removed incomplete uploads left by a dead process");
    },
  };
}
