/**
 * Runs a real CLI (tofu / terraform) as a child process: captures stdout and stderr, feeds stdin,
 * enforces a timeout (SIGINT, then SIGKILL), and lets a test send SIGINT itself (Ctrl-C scenarios).
 * The environment is passed in complete: nothing is inherited from this process.
 */
import type { FileSink } from "bun";

export type CliInvocation = {
  /** Executable and arguments. */
  readonly cmd: readonly string[];
  readonly cwd: string;
  /** The child's whole environment. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * A string is written to stdin, which is then closed. "interactive" keeps stdin open for `write` /
   * `closeStdin`. Without it, stdin is /dev/null.
   */
  readonly stdin?: string | "interactive";
  /** Default 120 s. On expiry the CLI gets SIGINT, and SIGKILL 5 s later. */
  readonly timeoutMs?: number;
};

export type CliResult = {
  /** The command as shown in reports (executable basename and arguments). */
  readonly command: string;
  /** Exit code; null when ended by a signal. */
  readonly code: number | null;
  readonly signal: string | null;
  /** Output with ANSI colour codes removed. */
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
};

export type RunningCli = {
  readonly pid: number;
  /** Resolves when the combined output so far matches; rejects on exit or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGINT, as Ctrl-C in a terminal does. */
  interrupt(): void;
  /** Sends `signal` (default SIGKILL). */
  kill(signal?: NodeJS.Signals): void;
  /** Writes to stdin (only with `stdin: "interactive"`). */
  write(text: string): void;
  closeStdin(): void;
  readonly result: Promise<CliResult>;
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const ansi = /\x1b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ansi, "");
}

/** Starts the CLI and returns at once; `result` settles when it exits. */
export function startCli(invocation: CliInvocation): RunningCli {
  const started = Date.now();
  const stdinMode = invocation.stdin === undefined ? "ignore" : "pipe";
  const child = Bun.spawn({
    cmd: [...invocation.cmd],
    cwd: invocation.cwd,
    env: { ...invocation.env },
    stdin: stdinMode,
    stdout: "pipe",
    stderr: "pipe",
  });
  const sink: FileSink | undefined = typeof child.stdin === "object" ? child.stdin : undefined;
  if (sink && invocation.stdin !== undefined && invocation.stdin !== "interactive") {
    sink.write(invocation.stdin);
    void sink.end();
  }

  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  const pump = async (stream: ReadableStream<Uint8Array>, append: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      append(decoder.decode(chunk, { stream: true }));
      notify();
    }
    append(decoder.decode());
  };

  let timedOut = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const timeoutMs = invocation.timeoutMs ?? 120_000;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGINT");
    killTimer = setTimeout(() => child.kill("SIGKILL"), 5000);
  }, timeoutMs);

  const command = [invocation.cmd[0]?.split("/").at(-1) ?? "", ...invocation.cmd.slice(1)].join(" ");
  const result = (async (): Promise<CliResult> => {
    await Promise.all([
      child.exited,
      pump(child.stdout, (s) => {
        stdout += s;
      }),
      pump(child.stderr, (s) => {
        stderr += s;
      }),
    ]);
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    notify();
    return {
      command,
      code: child.signalCode ? null : child.exitCode,
      signal: child.signalCode ? String(child.signalCode) : null,
      stdout: stripAnsi(stdout),
      stderr: stripAnsi(stderr),
      timedOut,
      durationMs: Date.now() - started,
    };
  })();
  let exited = false;
  void result.finally(() => {
    exited = true;
    notify();
  });

  return {
    pid: child.pid,
    result,
    interrupt: () => child.kill("SIGINT"),
    kill: (signal = "SIGKILL") => child.kill(signal),
    write(text) {
      if (!sink) throw new Error(`${command}: stdin is not interactive`);
      sink.write(text);
      void sink.flush();
    },
    closeStdin() {
      if (sink) void sink.end();
    },
    waitForOutput(pattern, waitMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stripAnsi(stdout + stderr))) {
            done();
            resolve();
          } else if (exited) {
            done();
            reject(new Error(`${command} exited before its output matched ${pattern}`));
          }
        };
        const deadline = setTimeout(() => {
          done();
          reject(new Error(`${command}: output did not match ${pattern} within ${waitMs} ms`));
        }, waitMs);
        const done = () => {
          clearTimeout(deadline);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(invocation: CliInvocation): Promise<CliResult> {
  return startCli(invocation).result;
}

/** A CLI run as text for failure reports and kept dirs. */
export function formatCliResult(result: CliResult): string {
  const status = result.timedOut
    ? `TIMED OUT after ${result.durationMs} ms`
    : result.signal
      ? `killed by ${result.signal}`
      : `exit ${result.code}`;
  return [
    `$ ${result.command}    [${status}, ${(result.durationMs / 1000).toFixed(1)}s]`,
    "--- stdout",
    result.stdout.trimEnd(),
    "--- stderr",
    result.stderr.trimEnd(),
    "",
  ].join("\n");
}
