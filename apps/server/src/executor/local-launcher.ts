import type {
  ClaimedJob,
  JobExit,
  JobRef,
  LaunchedJob,
  Launcher,
  StopRequest,
} from "@terrapod/runner-protocol";
import type { Logger } from "../logger.ts";
import { type RunnerSpawnDeps, spawnRunner } from "./runner-spawn.ts";

export type LocalLauncherDeps = RunnerSpawnDeps & {
  /** Makes sure the runners' work dir exists (owned by the runners' user). */
  readonly ensureWorkDir: () => Promise<void>;
  /** After a graceful stop request, how long the runner gets before it is killed. */
  readonly killAfterMs: number;
  /**
   * Told the pid of each runner program it starts (under bwrap the runner, not bwrap: it may outlive a
   * killed bwrap), recorded so a restarted server can stop it. Never throws.
   */
  readonly onStarted?: (job: ClaimedJob, pid: number) => Promise<void>;
};

type Running = {
  readonly job: ClaimedJob;
  readonly proc: ReturnType<typeof Bun.spawn>;
  readonly launched: LaunchedJob;
  killTimer?: ReturnType<typeof setTimeout>;
  /** Already told to stop gracefully (a cancel or the shutdown): the next signal would be a kill. */
  interrupted?: boolean;
};

/** Of a shutdown's grace, the last part: SIGTERM (the runner kills its engine), then SIGKILL. */
const killReserveMs = 1000;

/**
 * The embedded executor's launcher: one child process (`apps/runner`) per job. The runner stops
 * gracefully on its first signal (interrupts the engine, saves state, reports) and kills the engine on a
 * second one; SIGKILL of the runner itself is the last resort, as it would leave the engine (its own
 * process group) running.
 */
export function createLocalLauncher(deps: LocalLauncherDeps): Launcher {
  const running = new Map<string, Running>();

  async function start(job: ClaimedJob): Promise<LaunchedJob> {
    const existing = running.get(job.runId);
    if (existing && existing.job.attempt === job.attempt) return existing.launched;
    await deps.ensureWorkDir();
    const { proc, runnerPid } = spawnRunner(deps, job.token);
    deps.log.info(
      { runId: job.runId, phase: job.phase, attempt: job.attempt, pid: proc.pid },
      "runner started",
    );
    const entry: Running = {
      job,
      proc,
      launched: {
        job: { runId: job.runId, phase: job.phase, attempt: job.attempt },
        exited: exitOf(proc, job),
      },
    };
    running.set(job.runId, entry);
    await deps.onStarted?.(job, await runnerPid);
    void drain(deps.log, proc.stdout, job);
    void drain(deps.log, proc.stderr, job);
    return entry.launched;
  }

  function exitOf(proc: Running["proc"], job: JobRef): Promise<JobExit> {
    return proc.exited.then((code) => {
      // The next phase of the same run may already have started (a plan's runner exits after its
      // apply was claimed): only forget this entry if it is still the current one.
      const entry = running.get(job.runId);
      if (entry?.proc === proc) {
        running.delete(job.runId);
        if (entry.killTimer) clearTimeout(entry.killTimer);
      }
      deps.log.info({ runId: job.runId, phase: job.phase, code }, "runner exited");
      return { reported: code === 0, reason: `the runner exited with code ${code}` };
    });
  }

  function stop(request: StopRequest) {
    const entry = running.get(request.runId);
    if (!entry) return;
    const escalate = () => {
      entry.proc.kill("SIGTERM");
      entry.killTimer = setTimeout(() => entry.proc.kill("SIGKILL"), 15_000);
    };
    if (!request.force && entry.interrupted) return;
    if (entry.killTimer) clearTimeout(entry.killTimer);
    entry.interrupted = true;
    entry.proc.kill(request.force ? "SIGTERM" : "SIGINT");
    entry.killTimer = setTimeout(escalate, request.force ? 250 : deps.killAfterMs);
  }

  return {
    start,
    stop,
    running: () => [...running.values()].map((r) => r.launched.job),
    shutdown: (graceMs) => shutdownRunners(running, graceMs),
  };
}

/**
 * Within `graceMs`: SIGINT to every runner not already stopping (it interrupts its engine, an apply
 * uploads its state, it reports), then, in the last second, SIGTERM (a second signal: the runner kills
 * its engine's process group) and SIGKILL. Returns when every runner exited or the grace is over.
 */
async function shutdownRunners(running: Map<string, Running>, graceMs: number): Promise<void> {
  const started = Date.now();
  const reserve = Math.min(killReserveMs, graceMs / 2);
  const exitedBy = async (until: number) => {
    while (running.size > 0 && Date.now() < until) await Bun.sleep(50);
    return running.size === 0;
  };
  for (const entry of running.values()) {
    if (entry.interrupted) continue;
    entry.interrupted = true;
    entry.proc.kill("SIGINT");
  }
  if (await exitedBy(started + graceMs - reserve)) return;
  for (const entry of running.values()) entry.proc.kill("SIGTERM");
  if (await exitedBy(started + graceMs - reserve / 2)) return;
  for (const entry of running.values()) entry.proc.kill("SIGKILL");
  await exitedBy(started + graceMs);
  for (const entry of running.values()) if (entry.killTimer) clearTimeout(entry.killTimer);
}

/** Runner output goes to the server's debug log. */
async function drain(log: Logger, stream: ReadableStream<Uint8Array> | number | undefined, job: JobRef) {
  if (!(stream instanceof ReadableStream)) return;
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    const text = decoder.decode(chunk).trim();
    if (text) log.debug({ runId: job.runId, phase: job.phase, runner: text.slice(0, 2000) }, "runner output");
  }
}
