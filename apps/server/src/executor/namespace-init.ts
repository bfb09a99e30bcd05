import { closeSync, readSync } from "node:fs";
import type { Logger } from "../logger.ts";

type Signal = number | NodeJS.Signals;

/** The part of a Bun subprocess this needs (its fd 3 is the read end of bwrap's `--info-fd 3`). */
type BwrapProcess = {
  readonly stdio: readonly unknown[];
  readonly exitCode: number | null;
  readonly signalCode: unknown;
  kill(signal?: Signal): void;
};

/**
 * bwrap does not forward signals: one sent to it kills it, and `--die-with-parent` then SIGKILLs the
 * runner, so a graceful stop (the runner interrupts its engine and saves state) would become a kill.
 * The runner is the init of its pid namespace (`--as-pid-1`, it handles SIGINT/SIGTERM itself) and bwrap
 * reports its host pid on fd 3: from here on `proc.kill(signal)` signals the runner, not bwrap, which
 * exits with the runner's exit code. Until bwrap has reported (a few ms), signals wait for the pid;
 * when it reports nothing (it failed to start the sandbox), they go to bwrap. Resolves to the runner's
 * host pid (recorded: a runner can outlive a killed bwrap and server), undefined when bwrap reported none.
 */
export function signalThroughInfoFd(proc: BwrapProcess, log: Logger): Promise<number | undefined> {
  const fd = proc.stdio[3];
  if (typeof fd !== "number") return Promise.resolve(undefined);
  const runnerPid = readChildPid(fd, log);
  const killBwrap = proc.kill.bind(proc);
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  Object.defineProperty(proc, "kill", {
    configurable: true,
    value: (signal?: Signal) => {
      void runnerPid.then((pid) => {
        if (gone()) return;
        if (pid === undefined) return killBwrap(signal);
        try {
          process.kill(pid, signal ?? "SIGTERM");
        } catch (err) {
          log.debug({ err, pid }, "the runner was already gone");
        }
      });
    },
  });
  return runnerPid;
}

/** How long bwrap may take to report the runner's pid (it does so once the namespaces are set up). */
const reportWithinMs = 10_000;

/**
 * `{"child-pid": N, …}` from bwrap's info fd, which is then closed. The fd is non-blocking (EAGAIN until
 * bwrap writes), and bwrap may keep it open: reading stops at the first complete JSON document.
 */
async function readChildPid(fd: number, log: Logger): Promise<number | undefined> {
  const buffer = Buffer.alloc(4096);
  const deadline = Date.now() + reportWithinMs;
  let text = "";
  try {
    for (;;) {
      const info = parseInfo(text);
      if (info) return info;
      const n = readAvailable(fd, buffer);
      if (n === 0) break;
      if (n > 0) text += buffer.toString("utf8", 0, n);
      else if (Date.now() > deadline) break;
      else await Bun.sleep(5);
    }
    log.warn({ info: text.slice(0, 200) }, "bwrap reported no runner pid: signals go to bwrap");
  } catch (err) {
    log.warn({ err }, "reading bwrap's report failed: signals go to bwrap");
  } finally {
    closeSync(fd);
  }
  return undefined;
}

/** Bytes read, 0 at EOF, -1 when nothing is there yet. */
function readAvailable(fd: number, buffer: Buffer): number {
  try {
    return readSync(fd, buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EAGAIN") return -1;
    throw err;
  }
}

function parseInfo(text: string): number | undefined {
  if (!text.trim().endsWith("}")) return undefined;
  try {
    const pid = (JSON.parse(text) as { "child-pid"?: unknown })["child-pid"];
    return typeof pid === "number" && Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined; // not complete yet
  }
}
