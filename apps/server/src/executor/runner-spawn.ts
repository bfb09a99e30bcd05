import { runnerEnv } from "@terrapod/runner-protocol";
import type { Logger } from "../logger.ts";
import { signalThroughInfoFd } from "./namespace-init.ts";
import type { RunnerSpawn } from "./sandbox.ts";

export type RunnerSpawnDeps = {
  readonly log: Logger;
  /** How the runner reaches this server (loopback). */
  readonly serverUrl: string;
  readonly insecureLoopback: boolean;
  /** How a runner is spawned (sandboxed or not, see sandbox.ts), and the paths as it sees them. */
  readonly runner: RunnerSpawn;
  /** PATH given to runners (and through them to engines). */
  readonly path: string;
};

/** A started runner: the spawned process, and the pid of the runner program itself (under bwrap, its child). */
export type SpawnedRunner = {
  readonly proc: ReturnType<typeof Bun.spawn>;
  readonly runnerPid: Promise<number>;
};

/**
 * Starts one runner: sandboxed as `deps.runner` says, with the environment below, and the job token as
 * the first line of its stdin (then EOF), never in its environment. Under bwrap, `kill()` on the
 * returned process signals the runner itself (see namespace-init.ts).
 */
export function spawnRunner(deps: RunnerSpawnDeps, token: string): SpawnedRunner {
  const stdin = new TextEncoder().encode(`${token}\n`);
  const proc = Bun.spawn([...deps.runner.argv], {
    cwd: deps.runner.cwd,
    env: runnerEnvironment(deps),
    stdio: deps.runner.infoFd ? [stdin, "pipe", "pipe", "pipe"] : [stdin, "pipe", "pipe"],
  });
  const runnerPid = deps.runner.infoFd
    ? signalThroughInfoFd(proc, deps.log).then((pid) => pid ?? proc.pid)
    : Promise.resolve(proc.pid);
  return { proc, runnerPid };
}

/**
 * The runner's whole environment: nothing of the server's own is passed on, and no credential. HOME is
 * not writable by a sandboxed runner, and bun's transpiler cache is off: nothing a run leaves behind in
 * the work dir is read by the next runner.
 */
export function runnerEnvironment(
  deps: Pick<RunnerSpawnDeps, "path" | "serverUrl" | "insecureLoopback" | "runner">,
): Record<string, string> {
  const { runner } = deps;
  return {
    PATH: deps.path,
    HOME: runner.home,
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
    [runnerEnv.serverUrl]: deps.serverUrl,
    [runnerEnv.tokenStdin]: "1",
    [runnerEnv.binaryDir]: runner.binaryDir,
    [runnerEnv.workDir]: runner.workDir,
    ...(deps.insecureLoopback ? { [runnerEnv.insecureLoopback]: "1" } : {}),
    ...(runner.providerMirror ? { [runnerEnv.providerMirror]: runner.providerMirror } : {}),
  };
}
