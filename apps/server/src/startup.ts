import { bootstrapSite, type Services } from "@terrapod/core";
import { type DbHandle, describeDbError, isConnectionError } from "@terrapod/db";
import { randomIds, systemClock } from "@terrapod/kernel";
import type { ServerConfig } from "./config.ts";
import type { Readiness } from "./http.ts";
import type { Logger } from "./logger.ts";
import { type Subsystem, startSubsystems } from "./subsystems.ts";

/** The server's own executor, when it runs phases itself (`TERRAPOD_EXECUTOR=local`). */
export type LocalExecutor = {
  /** Executor ids of this process start with this prefix. */
  readonly executorId: string;
  start(): void;
  stop(graceMs: number): Promise<void>;
};

export type StartupDeps = {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly db: DbHandle;
  readonly services: Services;
  readonly readiness: Readiness;
  readonly executor: LocalExecutor | undefined;
  readonly onGeneratedAdminToken?: (token: string) => void;
};

export type Background = {
  /** Resolves once the database is migrated and bootstrapped and the background work runs. */
  readonly ready: Promise<void>;
  /** Stops the loops and the executor (its runners get the shutdown grace). */
  stop(): Promise<void>;
};

/** Migrate → bootstrap → executor → background loops, in the background of a listening server. */
export function startBackground(deps: StartupDeps): Background {
  const { log, readiness } = deps;
  let stopping = false;
  let loops: { stop(): Promise<void> } | undefined;
  const ready = (async () => {
    await migrate(deps, () => stopping);
    if (stopping) return;
    await bootstrap(deps);
    if (deps.executor) {
      await reapPreviousProcess(deps, deps.executor.executorId);
      deps.executor.start();
    }
    loops = startSubsystems([runSweeper(deps)], { log, exclusive: (key, fn) => deps.db.exclusive(key, fn) });
    readiness.ready = true;
    readiness.reason = "ready";
  })();
  ready.catch((err) => {
    readiness.reason = `startup failed: ${err instanceof Error ? err.message : String(err)}`;
    log.error({ err }, "startup failed");
  });
  return {
    ready,
    async stop() {
      stopping = true;
      await ready.catch(() => {});
      await loops?.stop();
      // Runners report back over HTTP, so they are stopped while the server still answers.
      await deps.executor?.stop(deps.config.http.shutdownGraceMs);
    },
  };
}

/** Migrations, retried while the database cannot be reached (the server answers 503 meanwhile). */
async function migrate(deps: StartupDeps, stopping: () => boolean): Promise<void> {
  for (let attempt = 1; !stopping(); attempt++) {
    try {
      await deps.db.migrate();
      return;
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      const wait = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
      deps.readiness.reason = `database unavailable: ${describeDbError(err)}`;
      deps.log.warn({ attempt, retryInMs: wait }, deps.readiness.reason);
      await Bun.sleep(wait);
    }
  }
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

/** Embedded mode: one process owns every local job, so whatever a previous process left running is lost. */
async function reapPreviousProcess(deps: StartupDeps, executorId: string): Promise<void> {
  if (deps.config.mode !== "embedded") return;
  const reaped = await deps.services.jobs.reap({
    claimedBy: (c) => c !== executorId && c?.startsWith("local:") === true,
  });
  if (reaped > 0) deps.log.warn({ reaped }, "ended phases left running by a previous process");
}

/** Ends phases whose runner went quiet and re-arms workspaces whose wake-up was lost; once per site. */
function runSweeper(deps: StartupDeps): Subsystem {
  const { jobs } = deps.services;
  return {
    name: "run-sweeper",
    intervalMs: 15_000,
    exclusive: true,
    async tick() {
      const staleBefore = new Date(Date.now() - deps.config.runs.staleAfterSeconds * 1000);
      await jobs.reap({ heartbeatBefore: staleBefore });
      for (const ws of await jobs.pendingWorkspaces()) await jobs.schedule(ws);
    },
  };
}
