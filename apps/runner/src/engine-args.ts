import { join } from "node:path";
import type { Engine, JobSpec } from "@terrapod/runner-protocol";

/** Versions we look up on disk: plain semver (with an optional pre-release), nothing path-like. */
const versionPattern = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/;

export function isValidEngineVersion(version: string): boolean {
  return versionPattern.test(version);
}

/** `<dir>/<engine>-<version>`, e.g. `/opt/engines/tofu-1.12.6`. */
export function engineBinaryPath(binaryDir: string, engine: Engine, version: string): string {
  if (!isValidEngineVersion(version)) throw new Error(`invalid engine version ${JSON.stringify(version)}`);
  return join(binaryDir, `${engine}-${version}`);
}

export function engineDisplayName(engine: Engine): string {
  return engine === "tofu" ? "OpenTofu" : "Terraform";
}

/**
 * The first three lines of every phase log. The CLI drops the first three lines of an apply log
 * (tfe-protocol §5.10), and TFE prints these.
 */
export function logPreamble(engine: Engine, version: string): string {
  return `${engineDisplayName(engine)} v${version}\non linux_amd64\nInitializing plugins and modules...\n`;
}

export const initArgs = (): string[] => ["init", "-input=false", "-no-color"];

export type PlanFiles = Readonly<{ planOut: string; varFile: string }>;

/** `plan` for the job's operation. Exit codes with -detailed-exitcode: 0 no changes, 1 error, 2 changes. */
export function planArgs(operation: JobSpec["operation"], files: PlanFiles): string[] {
  const args = ["plan", "-input=false", "-no-color", "-detailed-exitcode", `-out=${files.planOut}`];
  if (operation.isDestroy) args.push("-destroy");
  if (operation.refreshOnly) args.push("-refresh-only");
  if (!operation.refresh) args.push("-refresh=false");
  for (const target of operation.targetAddrs) args.push(`-target=${target}`);
  for (const replace of operation.replaceAddrs) args.push(`-replace=${replace}`);
  // Engines without action support refuse the flag, and the plan errors with their message.
  for (const action of operation.invokeActionAddrs ?? []) args.push(`-invoke=${action}`);
  args.push(`-var-file=${files.varFile}`);
  return args;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = version.split(/[.-]/).map(Number);
  return maj > major || (maj === major && min >= minor);
}

/**
 * Whether `apply <saved plan>` takes the variables again. Terraform < 1.10 and tofu < 1.9 refuse any
 * -var-file with a saved plan; newer ones accept it (and require it for ephemeral variables), and tofu
 * ≥ 1.9 even compares the values it would read (e.g. from *.auto.tfvars) with the plan's, so it must
 * get the same -var-file the plan had.
 */
export function savedPlanTakesVariables(engine: Engine, version: string): boolean {
  return engine === "tofu" ? versionAtLeast(version, 1, 9) : versionAtLeast(version, 1, 10);
}

export function applyArgs(planFile: string, varFile?: string): string[] {
  const args = ["apply", "-input=false", "-no-color", "-auto-approve"];
  if (varFile !== undefined) args.push(`-var-file=${varFile}`);
  args.push(planFile);
  return args;
}

export const showJsonArgs = (file: string): string[] => ["show", "-json", "-no-color", file];

export const providerSchemasArgs = (): string[] => ["providers", "schema", "-json"];

export type EngineEnvInput = Readonly<{
  /** PATH for the engine (and the commands its provisioners run). */
  path: string;
  home: string;
  tmpDir: string;
  /** The env-category variables. */
  variables: Readonly<Record<string, string>>;
  /** A CLI configuration file written for this job (provider installation). */
  cliConfigFile?: string | undefined;
}>;

/**
 * The engine's whole environment: built from scratch, so nothing of the runner's own environment (its
 * job token above all) reaches the engine or the commands it runs. Workspace variables come last and
 * may override the defaults (TF_LOG, TF_CLI_ARGS…), as in TFE.
 */
export function engineEnv(input: EngineEnvInput): Record<string, string> {
  return {
    PATH: input.path,
    HOME: input.home,
    TMPDIR: input.tmpDir,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    ...(input.cliConfigFile ? { TF_CLI_CONFIG_FILE: input.cliConfigFile } : {}),
    ...input.variables,
  };
}
