import { access, constants as fsConstants, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { extractArchive, InvalidArchiveError } from "@terrapod/archive";
import { type JobSpec, type PhaseResult, protocolVersion } from "@terrapod/runner-protocol";
import type { Logger } from "pino";
import { runApplyPhase } from "./apply-phase.ts";
import type { Cancellation } from "./cancellation.ts";
import { credentialsConfig, mirrorProviders, providerInstallationConfig } from "./cli-config.ts";
import type { RunnerConfig } from "./config.ts";
import { engineBinaryPath, engineEnv, isValidEngineVersion, logPreamble } from "./engine-args.ts";
import { startHeartbeats } from "./heartbeat.ts";
import { isRetryable, type RunnerClient } from "./http-client.ts";
import { maskString, secretPatterns } from "./log-masker.ts";
import { createLogShipper, type LogShipper } from "./log-shipper.ts";
import { overrideFileContent, overrideFileName } from "./override-file.ts";
import { canceled, errored, type Outcome, PhaseRun, writeNote } from "./phase-run.ts";
import { runPlanPhase } from "./plan-phase.ts";
import { withRetry } from "./retry.ts";
import { envVariables, VariableError } from "./var-file.ts";
import {
  createJobDirs,
  type JobDirs,
  relativePath,
  resolveWorkingDirectory,
  WorkingDirectoryError,
  writeFileReplacing,
} from "./workdir.ts";

export type JobDeps = Readonly<{
  client: RunnerClient;
  config: Pick<
    RunnerConfig,
    "binaryDir" | "workDir" | "graceSeconds" | "enginePath" | "token" | "providerMirror"
  >;
  log: Logger;
  cancellation: Cancellation;
}>;

export type JobReport = Readonly<{ result: PhaseResult; delivered: boolean }>;

const callPolicy = { attempts: 8, baseMs: 500, maxMs: 10_000 };
/** How long the log may take to drain once the phase is over (when fenced: fencing.ts). */
const logDrainMs = 30_000;
const fencedLogDrainMs = 2000;
const maxErrorChars = 4000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function toResult(outcome: Outcome): PhaseResult {
  return {
    version: protocolVersion,
    status: outcome.status,
    ...(outcome.hasChanges === undefined ? {} : { hasChanges: outcome.hasChanges }),
    ...(outcome.counts === undefined ? {} : { counts: outcome.counts }),
    ...(outcome.errorMessage === undefined
      ? {}
      : { errorMessage: outcome.errorMessage.slice(0, maxErrorChars) }),
  };
}

/**
 * Runs one phase of one run, start to finish: job spec, working directory, configuration, state,
 * variables, the engine, uploads, and the result. Never throws: every failure becomes an `errored`
 * result (delivered if the server can be reached).
 */
export async function runJob(deps: JobDeps): Promise<JobReport> {
  const { client, log, cancellation } = deps;
  let spec: JobSpec;
  try {
    spec = await withRetry(() => client.getJob(), {
      policy: callPolicy,
      isRetryable,
      onRetry: (err, retry) => log.warn({ err, retry }, "fetching the job failed, retrying"),
    });
  } catch (err) {
    log.error({ err }, "could not fetch the job");
    return deliver(deps, undefined, errored(`the runner could not fetch its job: ${messageOf(err)}`));
  }
  log.info(
    {
      runId: spec.runId,
      phase: spec.phase,
      attempt: spec.attempt,
      engine: spec.engine,
      version: spec.engineVersion,
    },
    "job started",
  );

  const shipper = createLogShipper({
    send: (offset, chunk) => client.sendLogs(offset, chunk),
    isRetryable,
    onError: (err, what) => log.warn({ err }, what),
  });
  const heartbeats = startHeartbeats({
    beat: () => client.heartbeat(),
    intervalMs: spec.heartbeatIntervalSeconds * 1000,
    cancellation,
    onError: (err) => log.warn({ err }, "heartbeat failed"),
  });
  const stopListening = cancellation.subscribe((level) => log.info({ cancel: level }, "cancel requested"));
  const secrets = [...secretPatterns(spec.variables), deps.config.token];
  if (spec.runToken) secrets.push(spec.runToken.token);
  shipper.append(new TextEncoder().encode(logPreamble(spec.engine, spec.engineVersion)));

  let dirs: JobDirs | undefined;
  let outcome: Outcome;
  const started = performance.now();
  try {
    dirs = await createJobDirs(deps.config.workDir, spec.runId, spec.phase);
    outcome = await runPhase(deps, spec, dirs, shipper, secrets);
  } catch (err) {
    log.error({ err }, "runner failure");
    outcome = errored(`Terrapod runner error: ${messageOf(err)}`, "Error: the Terrapod runner failed.");
  }
  log.info({ status: outcome.status, ms: Math.round(performance.now() - started) }, "phase over");

  if (outcome.errorMessage !== undefined) {
    outcome = { ...outcome, errorMessage: maskString(secrets, outcome.errorMessage) };
  }
  if (outcome.note) writeNote(shipper, secrets, `\n${outcome.note}`);
  // A fenced runner's server does not count on it any more: no result, and little time for the log.
  const fenced = cancellation.fenced;
  await shipper.close(Date.now() + (fenced ? fencedLogDrainMs : logDrainMs));
  const report = fenced
    ? { result: toResult(outcome), delivered: false }
    : await deliver(deps, spec, outcome);
  if (fenced) log.warn({ runId: spec.runId, reason: fenced }, "fenced: the result is not reported");
  heartbeats.stop();
  stopListening();
  if (dirs && !outcome.keepWorkDir) {
    await rm(dirs.tmp, { recursive: true, force: true }).catch(() => undefined);
    await rm(dirs.root, { recursive: true, force: true }).catch((err: unknown) =>
      log.warn({ err }, "could not remove the working directory"),
    );
  } else if (dirs) {
    log.warn({ dir: dirs.root }, "working directory kept");
  }
  return report;
}

async function deliver(deps: JobDeps, spec: JobSpec | undefined, outcome: Outcome): Promise<JobReport> {
  const result = toResult(outcome);
  try {
    await withRetry(() => deps.client.sendResult(result), {
      policy: callPolicy,
      isRetryable,
      onRetry: (err, retry) => deps.log.warn({ err, retry }, "reporting the result failed, retrying"),
    });
    deps.log.info({ runId: spec?.runId, status: result.status }, "result delivered");
    return { result, delivered: true };
  } catch (err) {
    deps.log.error({ err, runId: spec?.runId }, "could not deliver the result");
    return { result, delivered: false };
  }
}

/** A step that ends the phase early, with this outcome. */
class Stop {
  constructor(readonly outcome: Outcome) {}
}

/** An errored outcome whose message also goes to the run log. */
const failed = (message: string) => new Stop(errored(message, `Error: ${message}`));

async function findEngineBinary(deps: JobDeps, spec: JobSpec): Promise<string | Stop> {
  if (!isValidEngineVersion(spec.engineVersion)) {
    return new Stop(errored(`invalid ${spec.engine} version ${JSON.stringify(spec.engineVersion)}`));
  }
  const binary = engineBinaryPath(deps.config.binaryDir, spec.engine, spec.engineVersion);
  try {
    await access(binary, fsConstants.X_OK);
  } catch (err) {
    deps.log.error({ err, binary }, "engine binary missing");
    const denied = err instanceof Error && "code" in err && err.code === "EACCES";
    return failed(
      `${spec.engine} ${spec.engineVersion} is not available on this runner (no executable ${binary}${denied ? ": permission denied to the runner's user" : ""})`,
    );
  }
  return binary;
}

function readEnvVariables(spec: JobSpec): Record<string, string> | Stop {
  try {
    return envVariables(spec.variables);
  } catch (err) {
    if (err instanceof VariableError) return failed(err.message);
    throw err;
  }
}

async function fetchConfiguration(deps: JobDeps, dirs: JobDirs): Promise<Stop | undefined> {
  try {
    await withRetry(
      async (attempt) => {
        if (attempt > 0) await rm(dirs.config, { recursive: true, force: true });
        const stream = await deps.client.getConfiguration();
        await extractArchive(stream, dirs.config);
      },
      {
        policy: { attempts: 3, baseMs: 1000, maxMs: 5000 },
        isRetryable: (err) => !(err instanceof InvalidArchiveError) && isRetryable(err),
        onRetry: (err, retry) => deps.log.warn({ err, retry }, "fetching the configuration failed, retrying"),
      },
    );
    return undefined;
  } catch (err) {
    if (err instanceof InvalidArchiveError) return failed(err.message);
    deps.log.error({ err }, "could not fetch the configuration");
    return new Stop(errored(`could not fetch the configuration: ${messageOf(err)}`));
  }
}

/** The directory the engine runs in, with the backend override written into it. */
async function prepareWorkingDirectory(spec: JobSpec, dirs: JobDirs): Promise<string | Stop> {
  let cwd: string;
  try {
    cwd = await resolveWorkingDirectory(dirs.config, spec.workspace.workingDirectory);
  } catch (err) {
    if (err instanceof WorkingDirectoryError) return failed(err.message);
    throw err;
  }
  // Relative: a saved plan records the backend, and the apply runs in another directory (override-file.ts).
  await writeFileReplacing(
    join(cwd, overrideFileName),
    overrideFileContent(relativePath(cwd, dirs.stateFile)),
  );
  return cwd;
}

/** The workspace's current state (also written to the state file), or undefined when it has none. */
async function fetchState(deps: JobDeps, dirs: JobDirs): Promise<Uint8Array | undefined> {
  const originalState = await withRetry(() => deps.client.getState(), {
    policy: callPolicy,
    isRetryable,
    onRetry: (err, retry) => deps.log.warn({ err, retry }, "fetching the state failed, retrying"),
  });
  if (originalState) await writeFile(dirs.stateFile, originalState, { mode: 0o600 });
  return originalState;
}

/**
 * The engine's CLI configuration file, if there is anything to write: the provider mirror, and the
 * server's read-only run token as credentials for the server's hosts (terraform_remote_state).
 */
async function writeCliConfig(deps: JobDeps, dirs: JobDirs, spec: JobSpec): Promise<string | undefined> {
  const mirror = deps.config.providerMirror;
  const mirrorConfig = mirror ? providerInstallationConfig(mirror, await mirrorProviders(mirror)) : "";
  const config = mirrorConfig + credentialsConfig(spec.runToken);
  if (!config) return undefined;
  const cliConfigFile = join(dirs.home, "terrapod.tfrc");
  await writeFile(cliConfigFile, config, { mode: 0o600 });
  return cliConfigFile;
}

async function runPhase(
  deps: JobDeps,
  spec: JobSpec,
  dirs: JobDirs,
  shipper: LogShipper,
  secrets: readonly string[],
): Promise<Outcome> {
  const { client, cancellation, log } = deps;
  const binary = await findEngineBinary(deps, spec);
  if (binary instanceof Stop) return binary.outcome;
  if (cancellation.requested) return canceled();
  const envVars = readEnvVariables(spec);
  if (envVars instanceof Stop) return envVars.outcome;
  const configurationFailed = await fetchConfiguration(deps, dirs);
  if (configurationFailed) return configurationFailed.outcome;
  if (cancellation.requested) return canceled();
  const cwd = await prepareWorkingDirectory(spec, dirs);
  if (cwd instanceof Stop) return cwd.outcome;
  const originalState = await fetchState(deps, dirs);
  if (cancellation.requested) return canceled();
  const cliConfigFile = await writeCliConfig(deps, dirs, spec);

  const run = new PhaseRun({
    spec,
    dirs,
    cwd,
    binary,
    env: engineEnv({
      path: deps.config.enginePath,
      home: dirs.home,
      tmpDir: dirs.tmp,
      variables: envVars,
      cliConfigFile,
    }),
    client,
    shipper,
    secrets,
    cancellation,
    graceMs: deps.config.graceSeconds * 1000,
    log,
  });
  try {
    return spec.phase === "plan" ? await runPlanPhase(run) : await runApplyPhase(run, originalState);
  } catch (err) {
    if (err instanceof VariableError) return errored(err.message, `Error: ${err.message}`);
    throw err;
  }
}
