import type { ArtifactName, JobSpec, PhaseResult } from "@terrapod/runner-protocol";
import type { Logger } from "pino";
import type { Cancellation } from "./cancellation.ts";
import { engineDisplayName, initArgs } from "./engine-args.ts";
import { type EngineExit, runEngine } from "./engine-process.ts";
import { type Body, isRetryable, type RunnerClient } from "./http-client.ts";
import { createLogMasker, maskString } from "./log-masker.ts";
import type { LogShipper } from "./log-shipper.ts";
import { OutputWatcher } from "./plan-summary.ts";
import { type RetryPolicy, withRetry } from "./retry.ts";
import type { JobDirs } from "./workdir.ts";

/** How a phase ended, before it becomes a PhaseResult. */
export type Outcome = Readonly<{
  status: PhaseResult["status"];
  hasChanges?: boolean;
  counts?: PhaseResult["counts"];
  errorMessage?: string;
  /** The runner's own words for the run log (the engine's output is already there). */
  note?: string;
  /** Keep the working directory (it holds state that could not be uploaded). */
  keepWorkDir?: boolean;
}>;

export const errored = (errorMessage: string, note?: string): Outcome => ({
  status: "errored",
  errorMessage,
  ...(note === undefined ? {} : { note }),
});

export const canceled = (note = "The run was cancelled."): Outcome => ({ status: "canceled", note });

/** Where an engine's stdout goes: the run log, a memory buffer (shown only on failure), or a file. */
export type OutputMode = { kind: "log" } | { kind: "capture" } | { kind: "file"; path: string };

export type EngineResult = Readonly<{
  exit: EngineExit;
  stdout: OutputWatcher;
  stderr: OutputWatcher;
  /** Masked output kept by "capture" mode (and stderr of "file" mode). */
  captured: Uint8Array;
  firstError: string | undefined;
}>;

const uploadPolicy: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 10_000 };
const maxCapturedBytes = 2 * 1024 * 1024;
const encoder = new TextEncoder();

const maskOptional = (secrets: readonly string[], text: string | undefined) =>
  text === undefined ? undefined : maskString(secrets, text);

/** Appends the runner's own text to the run log (masked like everything else). */
export function writeNote(shipper: LogShipper, secrets: readonly string[], text: string): void {
  const masker = createLogMasker(secrets);
  shipper.append(masker.push(encoder.encode(text.endsWith("\n") ? text : `${text}\n`)));
  shipper.append(masker.end());
}

export type PhaseRunDeps = Readonly<{
  spec: JobSpec;
  dirs: JobDirs;
  /** The root module's directory (inside dirs.config). */
  cwd: string;
  binary: string;
  env: Readonly<Record<string, string>>;
  client: RunnerClient;
  shipper: LogShipper;
  secrets: readonly string[];
  cancellation: Cancellation;
  graceMs: number;
  log: Logger;
}>;

/** What the plan and apply phases share: running the engine into the log, uploads, downloads. */
export class PhaseRun {
  readonly deps: PhaseRunDeps;
  readonly engineName: string;

  constructor(deps: PhaseRunDeps) {
    this.deps = deps;
    this.engineName = engineDisplayName(deps.spec.engine);
  }

  get spec(): JobSpec {
    return this.deps.spec;
  }

  get dirs(): JobDirs {
    return this.deps.dirs;
  }

  get cancellation(): Cancellation {
    return this.deps.cancellation;
  }

  note(text: string): void {
    writeNote(this.deps.shipper, this.deps.secrets, text);
  }

  async engine(args: readonly string[], mode: OutputMode): Promise<EngineResult> {
    const watchers = { stdout: new OutputWatcher(), stderr: new OutputWatcher() };
    const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    const maskers = {
      stdout: createLogMasker(this.deps.secrets),
      stderr: createLogMasker(this.deps.secrets),
    };
    const captured: Uint8Array[] = [];
    let capturedBytes = 0;
    const emit = (bytes: Uint8Array) => {
      if (bytes.byteLength === 0) return;
      if (mode.kind === "log") {
        this.deps.shipper.append(bytes);
      } else if (capturedBytes < maxCapturedBytes) {
        captured.push(bytes);
        capturedBytes += bytes.byteLength;
      }
    };
    const started = performance.now();
    const exit = await runEngine({
      binary: this.deps.binary,
      args,
      cwd: this.deps.cwd,
      env: this.deps.env,
      ...(mode.kind === "file" ? { stdoutFile: mode.path } : {}),
      onOutput: (stream, chunk) => {
        // Watchers read the raw text (a secret must not hide "Apply complete!"); they keep nothing.
        watchers[stream].push(decoders[stream].decode(chunk, { stream: true }));
        emit(maskers[stream].push(chunk));
      },
      cancellation: this.deps.cancellation,
      graceMs: this.deps.graceMs,
    });
    for (const stream of ["stdout", "stderr"] as const) {
      emit(maskers[stream].end());
      watchers[stream].push(decoders[stream].decode());
      watchers[stream].end();
    }
    this.deps.log.debug(
      {
        command: args[0],
        exitCode: exit.exitCode,
        signal: exit.signal,
        ms: Math.round(performance.now() - started),
      },
      "engine command finished",
    );
    return {
      exit,
      stdout: watchers.stdout,
      stderr: watchers.stderr,
      captured: Buffer.concat(captured),
      firstError: maskOptional(this.deps.secrets, watchers.stderr.firstError ?? watchers.stdout.firstError),
    };
  }

  /** `init`, its output kept out of the log unless it fails. Returns an outcome only when it did. */
  async init(): Promise<Outcome | undefined> {
    const init = await this.engine(initArgs(), { kind: "capture" });
    if (init.exit.exitCode === 0 && !this.cancellation.requested) return undefined;
    this.deps.shipper.append(init.captured);
    if (this.cancellation.requested) return canceled();
    const reason = init.firstError ?? `exit code ${init.exit.exitCode ?? init.exit.signal}`;
    return errored(`${this.engineName} init failed: ${reason}`);
  }

  async upload(name: ArtifactName, body: () => Body): Promise<void> {
    await withRetry(() => this.deps.client.putArtifact(name, body()), {
      policy: uploadPolicy,
      isRetryable,
      onRetry: (err, retry) =>
        this.deps.log.warn({ err, artifact: name, retry }, "artifact upload failed, retrying"),
    });
  }

  /** Best effort: a failure is logged and noted, never fatal. */
  async uploadOptional(name: ArtifactName, body: () => Body): Promise<void> {
    try {
      await this.upload(name, body);
    } catch (err) {
      this.deps.log.warn({ err, artifact: name }, "optional artifact upload failed");
    }
  }

  /** Writes an artifact to `path`; false when the server has none. */
  async download(name: ArtifactName, path: string): Promise<boolean> {
    return withRetry(
      async () => {
        const response = await this.deps.client.getArtifact(name);
        if (!response) return false;
        await Bun.write(path, response);
        return true;
      },
      {
        policy: uploadPolicy,
        isRetryable,
        onRetry: (err, retry) =>
          this.deps.log.warn({ err, artifact: name, retry }, "artifact download failed, retrying"),
      },
    );
  }

  /** Runs `show -json <file>` into `out`; false (with a note in the log) when it fails. */
  async showJson(file: string, out: string, what: string): Promise<boolean> {
    const show = await this.engine(["show", "-json", "-no-color", file], { kind: "file", path: out });
    if (show.exit.exitCode === 0) return true;
    if (!this.cancellation.requested) {
      this.note(`Warning: could not render the ${what} as JSON: ${show.firstError ?? "unknown error"}`);
    }
    return false;
  }
}
