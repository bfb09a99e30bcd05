import type { CancelLevel, Cancellation } from "./cancellation.ts";

export type OutputStream = "stdout" | "stderr";

export type EngineInvocation = Readonly<{
  binary: string;
  args: readonly string[];
  cwd: string;
  /** The complete environment (nothing is inherited). */
  env: Readonly<Record<string, string>>;
  /** Write stdout to this file instead of reporting it (JSON documents). */
  stdoutFile?: string;
  onOutput: (stream: OutputStream, chunk: Uint8Array) => void;
  cancellation: Cancellation;
  graceMs: number;
}>;

export type EngineExit = Readonly<{
  /** null when killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** A cancel was requested while it ran. */
  cancelled: boolean;
}>;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if (!(err instanceof Error && "code" in err && err.code === "ESRCH")) throw err;
  }
}

/**
 * Runs the engine in its own process group (so a cancel reaches the providers and the commands of
 * provisioners, as a terminal's Ctrl-C would) and reports its output as it comes. A graceful cancel
 * sends SIGINT to the group and SIGKILL after the grace period; a forced one SIGKILL at once. When the
 * engine exits, whatever is left of its group is killed.
 */
export async function runEngine(inv: EngineInvocation): Promise<EngineExit> {
  const proc = Bun.spawn({
    cmd: [inv.binary, ...inv.args],
    cwd: inv.cwd,
    env: { ...inv.env },
    stdin: "ignore",
    stdout: inv.stdoutFile === undefined ? "pipe" : Bun.file(inv.stdoutFile),
    stderr: "pipe",
    detached: true,
  });
  const pid = proc.pid;
  let cancelled = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const onCancel = (level: CancelLevel) => {
    cancelled = true;
    if (level === "force") {
      signalGroup(pid, "SIGKILL");
      return;
    }
    signalGroup(pid, "SIGINT");
    killTimer ??= setTimeout(() => signalGroup(pid, "SIGKILL"), inv.graceMs);
  };
  const unsubscribe = inv.cancellation.subscribe(onCancel);
  if (inv.cancellation.level) onCancel(inv.cancellation.level);

  const pump = async (stream: ReadableStream<Uint8Array>, name: OutputStream) => {
    for await (const chunk of stream) inv.onOutput(name, chunk);
  };
  const pumps = [pump(proc.stderr, "stderr")];
  const stdout: unknown = proc.stdout;
  if (stdout instanceof ReadableStream) pumps.push(pump(stdout, "stdout"));

  try {
    await proc.exited;
  } finally {
    unsubscribe();
    if (killTimer) clearTimeout(killTimer);
    // Leftovers (a provisioner's command, a provider) would hold the pipes open and outlive the job.
    signalGroup(pid, "SIGKILL");
  }
  await Promise.all(pumps);
  const signal = proc.signalCode === null ? null : String(proc.signalCode);
  return { exitCode: proc.exitCode, signal, cancelled };
}
