/**
 * Child processes, shutdown hooks and signal handling for the test tooling.
 *
 * Everything that starts something long-lived registers a shutdown hook with `onShutdown`; the hooks
 * run on SIGINT/SIGTERM/SIGHUP (after the running child commands were told to stop) and are also what
 * the normal `finally` paths call, so each hook must be idempotent.
 */
import { existsSync, readFileSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Subprocess } from "bun";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

const running = new Set<Subprocess>();
const hooks = new Set<() => Promise<void>>();
let signalled: NodeJS.Signals | undefined;
let shutdown: Promise<void> | undefined;

/** The signal that interrupted this run, if any. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return signalled;
}

/** Registers a cleanup to run on a signal; returns a function that unregisters it. */
export function onShutdown(hook: () => Promise<void>): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Runs every registered hook (most recent first) once; later calls get the same promise. */
export function runShutdownHooks(): Promise<void> {
  shutdown ??= (async () => {
    for (const hook of [...hooks].reverse()) {
      hooks.delete(hook);
      await hook().catch((err: unknown) => console.error(`cleanup failed: ${String(err)}`));
    }
  })();
  return shutdown;
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/**
 * On the first SIGINT/SIGTERM/SIGHUP: forward it to the running children, run the shutdown hooks, and
 * exit 128+n `graceMs` later unless the main flow exits first (it sees `interruptedBy()` once its
 * child is gone, and may print a summary). A second signal exits at once.
 */
export function installSignalHandlers(graceMs = 0): void {
  for (const signal of Object.keys(signalNumbers) as NodeJS.Signals[]) {
    process.on(signal, () => {
      const code = 128 + (signalNumbers[signal] ?? 0);
      if (signalled) {
        console.error(`\n${signal} again: exiting without waiting for cleanup`);
        for (const child of running) child.kill("SIGKILL");
        process.exit(code);
      }
      signalled = signal;
      console.error(`\n${signal}: stopping children and services...`);
      for (const child of running) child.kill(signal);
      void runShutdownHooks().then(() => {
        if (graceMs <= 0) process.exit(code);
        setTimeout(() => process.exit(code), graceMs).unref();
      });
    });
  }
}

export type RunOptions = {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** Echo output live and also keep the last `keep` characters of stdout+stderr (default 64 KiB). */
  readonly tee?: boolean;
  /** Capture instead of echoing. */
  readonly quiet?: boolean;
  readonly keep?: number;
};

export type RunResult = { readonly code: number; readonly output: string };

/** Runs a command to completion. Output is inherited unless `tee` or `quiet` is set. */
export async function run(cmd: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const capture = options.tee || options.quiet;
  let child: Subprocess<"ignore", "pipe" | "inherit", "pipe" | "inherit">;
  try {
    child = Bun.spawn({
      cmd: [...cmd],
      cwd: options.cwd ?? repoRoot,
      env: cleanEnv(options.env ?? process.env),
      stdin: "ignore",
      stdout: capture ? "pipe" : "inherit",
      stderr: capture ? "pipe" : "inherit",
    });
  } catch (err) {
    return { code: 127, output: `cannot run ${cmd[0]}: ${String(err)}` };
  }
  running.add(child);
  try {
    const keep = options.keep ?? 64 * 1024;
    let output = "";
    const readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
    const pump = async (
      stream: ReadableStream<Uint8Array> | number | undefined,
      sink: NodeJS.WriteStream,
    ) => {
      if (!(stream instanceof ReadableStream)) return;
      const reader = stream.getReader();
      readers.push(reader);
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done || !value) return;
        if (options.tee) sink.write(value);
        output += decoder.decode(value, { stream: true });
        if (output.length > keep * 2) output = output.slice(-keep);
      }
    };
    const pumps = Promise.all([pump(child.stdout, process.stdout), pump(child.stderr, process.stderr)]);
    const code = await child.exited;
    // A grandchild that outlives the command (a stray daemon) can hold the pipes open: read what is
    // left for a moment, then stop reading rather than wait for it.
    const drained = await Promise.race([pumps.then(() => true), Bun.sleep(2000).then(() => false)]);
    if (!drained) for (const reader of readers) await reader.cancel().catch(() => {});
    return { code, output: output.slice(-keep) };
  } finally {
    running.delete(child);
  }
}

/** Runs a command that must succeed; throws with its output otherwise. */
export async function mustRun(cmd: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(cmd, { quiet: true, ...options });
  if (result.code !== 0) {
    throw new Error(`${cmd.join(" ")} exited ${result.code}\n${result.output.trim().slice(-4000)}`);
  }
  return result.output;
}

function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

const hasProc = existsSync("/proc/self/stat");

/**
 * True while `pid` runs. A zombie counts as gone: daemons (redis, postgres) are reparented to pid 1,
 * which in some containers never reaps them.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
  if (!hasProc) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait again. */
export async function killAndWait(pid: number, graceMs = 5000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  if (await waitForExit(pid, graceMs)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  await waitForExit(pid, 5000);
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await Bun.sleep(25);
  }
  return !isAlive(pid);
}

/** /dev/shm when it is a tmpfs with at least 2 GiB free (containers often give it 64 MiB), else `fallback`. */
export async function fastScratchBase(fallback: string): Promise<string> {
  return statfs("/dev/shm").then(
    (fs) => (fs.bavail * fs.bsize >= 2 * 1024 ** 3 ? "/dev/shm" : fallback),
    () => fallback,
  );
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
