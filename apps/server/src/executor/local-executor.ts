import type { JobService } from "@terrapod/core";
import {
  type ClaimedJob,
  type ExecutorApi,
  type ExecutorLoop,
  type Launcher,
  startExecutorLoop,
} from "@terrapod/runner-protocol";
import type { ServerConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { LocalExecutor } from "../startup.ts";
import { drainExecutor } from "./drain.ts";
import { localExecutorId } from "./executor-identity.ts";
import { createLocalLauncher } from "./local-launcher.ts";
import { processStartTicks } from "./process-tree.ts";
import { type PreparedSandbox, prepareRunnerSandbox } from "./sandbox-setup.ts";

/** What the embedded executor does with the job service directly (beyond the executor contract). */
export type LocalExecutorJobs = Pick<JobService, "recordRunner" | "markShutdownInterrupt" | "reap">;

/**
 * The embedded executor: the shared executor loop over child-process runners, in-process. It records
 * each runner's pid (a restarted server stops runners left by a dead one: previous-runners.ts) and
 * drains on shutdown (drain.ts).
 */
export function createLocalExecutor(
  config: ServerConfig,
  log: Logger,
  gateway: ExecutorApi,
  serverUrl: string,
  jobs: LocalExecutorJobs,
): LocalExecutor {
  const executorId = localExecutorId();
  const recordRunner = async (job: ClaimedJob, pid: number) => {
    const startedAtTicks = (await processStartTicks(pid)) ?? null;
    await jobs
      .recordRunner({ runId: job.runId, attempt: job.attempt, executorId, pid, startedAtTicks })
      .catch((err: unknown) =>
        log.error({ err, runId: job.runId, pid }, "could not record the runner's pid"),
      );
  };
  // Prepared while the database migrates; `prepare()` waits for it (and fails startup when it failed).
  const sandbox = prepareRunnerSandbox(config, log);
  sandbox.catch(() => undefined);
  let launcher: Launcher | undefined;
  let loop: ExecutorLoop | undefined;
  const launcherOf = (prepared: PreparedSandbox) =>
    createLocalLauncher({
      log,
      serverUrl,
      insecureLoopback: Boolean(config.http.tls),
      runner: prepared.runner,
      ensureWorkDir: prepared.ensureWorkDir,
      path: config.runs.path,
      killAfterMs: 60_000,
      onStarted: recordRunner,
    });
  return {
    executorId,
    async prepare() {
      launcher = launcherOf(await sandbox);
    },
    start() {
      if (!launcher) throw new Error("the local executor was started before it was prepared");
      loop = startExecutorLoop({
        executorId,
        api: gateway,
        launcher,
        concurrency: config.runs.concurrency,
        waitMs: 2000,
        log,
      });
    },
    async stop(graceMs) {
      // Never started (stopped during startup): nothing was claimed, so nothing to drain or reap.
      if (loop) await drainExecutor({ executorId, loop, launcher, jobs, log }, graceMs);
      const prepared = await sandbox.catch(() => undefined);
      await prepared?.dispose().catch((err: unknown) => log.warn({ err }, "cleaning up the sandbox failed"));
    },
  };
}
