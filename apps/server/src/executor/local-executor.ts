import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { JobTokens } from "@terrapod/auth";
import type { ClaimedJob, RunService } from "@terrapod/core";
import type { EventBus } from "@terrapod/events";
import type { Logger } from "../logger.ts";

export const runQueuedTopic = "runs.queued";
export const stopJobTopic = "runs.stop";

export type LocalExecutorDeps = {
  readonly executorId: string;
  readonly runs: RunService;
  readonly bus: EventBus;
  readonly jobTokens: JobTokens;
  readonly log: Logger;
  /** How the runner reaches this server (loopback). */
  readonly serverUrl: string;
  readonly insecureLoopback: boolean;
  readonly binaryDir: string;
  readonly providerMirror: string | undefined;
  readonly workDir: string;
  readonly concurrency: number;
  /** argv that starts the runner program. */
  readonly runnerCommand: readonly string[];
  /** After a stop request, how long the runner gets before it is killed. */
  readonly killAfterMs: number;
};

type Running = {
  job: ClaimedJob;
  proc: ReturnType<typeof Bun.spawn>;
  killTimer?: ReturnType<typeof setTimeout>;
};

const jobTokenTtlSeconds = 24 * 3600;
const pollIntervalMs = 2000;

/**
 * The embedded executor: claims runnable phases from the database queue and runs each in a child
 * process (apps/runner), up to a concurrency limit. Wakes on `runs.queued` (and polls as a safety
 * net), stops runners on `runs.stop`, and fails a phase whose runner died without reporting.
 */
export function createLocalExecutor(deps: LocalExecutorDeps) {
  const running = new Map<string, Running>();
  let stopped = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  const unsubscribe: (() => Promise<void>)[] = [];

  function nudge() {
    wake?.();
  }

  async function spawnRunner(job: ClaimedJob) {
    const token = deps.jobTokens.issue(
      { runId: job.runId, phase: job.phase, attempt: job.attempt },
      jobTokenTtlSeconds,
    );
    await mkdir(deps.workDir, { recursive: true, mode: 0o700 });
    const proc = Bun.spawn([...deps.runnerCommand], {
      cwd: deps.workDir,
      env: {
        PATH: Bun.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        HOME: deps.workDir,
        TERRAPOD_RUNNER_SERVER_URL: deps.serverUrl,
        TERRAPOD_RUNNER_TOKEN: token,
        TERRAPOD_BINARY_DIR: deps.binaryDir,
        TERRAPOD_RUNNER_WORK_DIR: deps.workDir,
        ...(deps.insecureLoopback ? { TERRAPOD_RUNNER_INSECURE_LOOPBACK: "1" } : {}),
        ...(deps.providerMirror ? { TERRAPOD_RUNNER_PROVIDER_MIRROR: deps.providerMirror } : {}),
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const entry: Running = { job, proc };
    running.set(job.runId, entry);
    deps.log.info(
      { runId: job.runId, phase: job.phase, attempt: job.attempt, pid: proc.pid },
      "runner started",
    );
    void drain(proc.stdout, job);
    void drain(proc.stderr, job);
    void proc.exited.then(async (code) => {
      // The next phase of the same run may already have started (a plan's runner exits after its
      // apply was claimed): only forget this entry if it is still the current one.
      if (running.get(job.runId) === entry) running.delete(job.runId);
      if (entry.killTimer) clearTimeout(entry.killTimer);
      deps.log.info({ runId: job.runId, phase: job.phase, code }, "runner exited");
      if (code !== 0) {
        // The runner could not report: end (or requeue) the phase now rather than waiting for the reaper.
        await deps.runs.execution
          .reap({ job: { runId: job.runId, attempt: job.attempt } })
          .catch((err: unknown) => {
            deps.log.error({ err, runId: job.runId }, "could not end the phase of a failed runner");
          });
      }
      nudge();
    });
  }

  async function drain(stream: ReadableStream<Uint8Array> | number | undefined, job: ClaimedJob) {
    if (!(stream instanceof ReadableStream)) return;
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk).trim();
      if (text)
        deps.log.debug({ runId: job.runId, phase: job.phase, runner: text.slice(0, 2000) }, "runner output");
    }
  }

  /**
   * The runner stops gracefully on its first signal (interrupts the engine, saves state, reports) and
   * kills the engine on a second one; SIGKILL of the runner itself is the last resort, as it would
   * leave the engine (its own process group) running.
   */
  function stop(runId: string, force: boolean) {
    const entry = running.get(runId);
    if (!entry) return;
    const escalate = () => {
      entry.proc.kill("SIGTERM");
      entry.killTimer = setTimeout(() => entry.proc.kill("SIGKILL"), 15_000);
    };
    if (entry.killTimer) clearTimeout(entry.killTimer);
    entry.proc.kill(force ? "SIGTERM" : "SIGINT");
    entry.killTimer = setTimeout(escalate, force ? 250 : deps.killAfterMs);
  }

  async function run() {
    while (!stopped) {
      try {
        while (!stopped && running.size < deps.concurrency) {
          const job = await deps.runs.execution.claim(deps.executorId);
          if (!job) break;
          await spawnRunner(job);
        }
      } catch (err) {
        deps.log.error({ err }, "local executor could not claim or start a job");
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    async start() {
      unsubscribe.push(await deps.bus.subscribe(runQueuedTopic, () => nudge()));
      unsubscribe.push(
        await deps.bus.subscribe(stopJobTopic, (payload) => {
          const p = payload as { runId?: unknown; force?: unknown };
          if (typeof p.runId === "string") stop(p.runId, p.force === true);
        }),
      );
      loop = run();
    },
    /** Stops claiming, asks running runners to stop, waits up to `graceMs`, then kills what is left. */
    async stop(graceMs: number) {
      stopped = true;
      nudge();
      await loop;
      for (const u of unsubscribe) await u();
      for (const entry of running.values()) entry.proc.kill("SIGINT");
      const deadline = Date.now() + graceMs;
      while (running.size > 0 && Date.now() < deadline) await Bun.sleep(100);
      for (const entry of running.values()) entry.proc.kill("SIGTERM");
      await Bun.sleep(500);
      for (const entry of running.values()) entry.proc.kill("SIGKILL");
    },
    get runningCount() {
      return running.size;
    },
  };
}

export function defaultRunnerCommand(): string[] {
  return [process.execPath, join(import.meta.dir, "..", "..", "..", "runner", "src", "main.ts")];
}
