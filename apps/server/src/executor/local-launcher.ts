import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  type ClaimedJob,
  type JobExit,
  type JobRef,
  type LaunchedJob,
  type Launcher,
  runnerEnv,
  type StopRequest,
} from "@terrapod/runner-protocol";
import type { Logger } from "../logger.ts";

export type LocalLauncherDeps = {
  readonly log: Logger;
  /** How the runner reaches this server (loopback). */
  readonly serverUrl: string;
  readonly insecureLoopback: boolean;
  readonly binaryDir: string;
  readonly providerMirror: string | undefined;
  readonly workDir: string;
  /** PATH given to runners (and through them to engines). */
  readonly path: string;
  /** argv that starts the runner program. */
  readonly runnerCommand: readonly string[];
  /** After a graceful stop request, how long the runner gets before it is killed. */
  readonly killAfterMs: number;
};

type Running = {
  readonly job: ClaimedJob;
  readonly proc: ReturnType<typeof Bun.spawn>;
  readonly launched: LaunchedJob;
  killTimer?: ReturnType<typeof setTimeout>;
};

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
    await mkdir(deps.workDir, { recursive: true, mode: 0o700 });
    const proc = Bun.spawn([...deps.runnerCommand], {
      cwd: deps.workDir,
      env: runnerEnvironment(deps, job.token),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
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
    if (entry.killTimer) clearTimeout(entry.killTimer);
    entry.proc.kill(request.force ? "SIGTERM" : "SIGINT");
    entry.killTimer = setTimeout(escalate, request.force ? 250 : deps.killAfterMs);
  }

  return {
    start,
    stop,
    running: () => [...running.values()].map((r) => r.launched.job),
    async shutdown(graceMs) {
      for (const entry of running.values()) entry.proc.kill("SIGINT");
      const deadline = Date.now() + graceMs;
      while (running.size > 0 && Date.now() < deadline) await Bun.sleep(100);
      for (const entry of running.values()) entry.proc.kill("SIGTERM");
      await Bun.sleep(500);
      for (const entry of running.values()) entry.proc.kill("SIGKILL");
    },
  };
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

/** The runner's whole environment: nothing of the server's own is passed on. */
function runnerEnvironment(deps: LocalLauncherDeps, token: string): Record<string, string> {
  return {
    PATH: deps.path,
    HOME: deps.workDir,
    [runnerEnv.serverUrl]: deps.serverUrl,
    [runnerEnv.token]: token,
    [runnerEnv.binaryDir]: deps.binaryDir,
    [runnerEnv.workDir]: deps.workDir,
    ...(deps.insecureLoopback ? { [runnerEnv.insecureLoopback]: "1" } : {}),
    ...(deps.providerMirror ? { [runnerEnv.providerMirror]: deps.providerMirror } : {}),
  };
}

/** argv of the runner program in this checkout. */
export function defaultRunnerCommand(): string[] {
  return [process.execPath, join(import.meta.dir, "..", "..", "..", "runner", "src", "main.ts")];
}
