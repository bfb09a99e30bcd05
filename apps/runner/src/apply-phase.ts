import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { applyArgs, savedPlanTakesVariables } from "./engine-args.ts";
import { isRetryable } from "./http-client.ts";
import { canceled, errored, type Outcome, type PhaseRun } from "./phase-run.ts";
import { withRetry } from "./retry.ts";
import { renderVarFile } from "./var-file.ts";
import { readRegularFile, writeFileReplacing } from "./workdir.ts";

/** How long a changed state is retried before the runner gives up (and keeps it on disk). */
const stateUploadBudgetMs = 10 * 60_000;

export type StateSave = Readonly<{ uploaded: boolean; error?: string }>;

/**
 * Uploads the state if the engine changed it (byte comparison with what was downloaded: an unchanged
 * state is never re-sent, so a failed apply cannot collide with its own serial), then its JSON (best
 * effort). Retries a failed upload with backoff for minutes: state must not be lost.
 */
export async function saveState(run: PhaseRun, original: Uint8Array | undefined): Promise<StateSave> {
  const state = await readRegularFile(run.dirs.stateFile);
  if (!state || (original && Buffer.from(state).equals(original))) return { uploaded: false };
  // A fenced runner (fencing.ts) tries once, in case its server still answers (its exit timer bounds it).
  const fenced = run.cancellation.fenced !== undefined;
  const deadline = Date.now() + stateUploadBudgetMs;
  try {
    await withRetry(() => run.deps.client.putState(state), {
      policy: { attempts: fenced ? 1 : Number.POSITIVE_INFINITY, baseMs: 500, maxMs: 15_000 },
      isRetryable,
      deadline: () => deadline,
      onRetry: (err, retry, delayMs) =>
        run.deps.log.warn({ err, retry, delayMs }, "state upload failed, retrying"),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    run.deps.log.error(
      { err, stateFile: run.dirs.stateFile },
      "state upload failed; the state is kept on disk",
    );
    return { uploaded: false, error: message };
  }
  if (fenced) return { uploaded: true };
  if (await run.showJson(run.dirs.stateFile, run.dirs.stateJson, "state")) {
    await run.uploadOptional("state-json", () => Bun.file(run.dirs.stateJson));
  }
  return { uploaded: true };
}

/**
 * init (with the plan phase's lock file), then apply of the saved plan. Whatever happens once the
 * engine started (success, error, cancel, a runner failure), a changed state is uploaded.
 */
export async function runApplyPhase(run: PhaseRun, originalState: Uint8Array | undefined): Promise<Outcome> {
  if (await run.download("lock-file", run.dirs.lockFile)) {
    const lock = await readRegularFile(run.dirs.lockFile);
    if (lock) await writeFileReplacing(join(run.deps.cwd, ".terraform.lock.hcl"), lock);
  }
  const initFailed = await run.init();
  if (initFailed) return initFailed;

  if (!(await run.download("plan-file", run.dirs.planFile))) {
    return errored("the run has no saved plan to apply", "Error: Terrapod found no saved plan for this run.");
  }
  if (run.cancellation.requested) return canceled();
  let varFile: string | undefined;
  if (savedPlanTakesVariables(run.spec.engine, run.spec.engineVersion)) {
    await writeFile(run.dirs.varFile, renderVarFile(run.spec.variables), { mode: 0o600 });
    varFile = run.dirs.varFile;
  }

  let save: StateSave = { uploaded: false };
  const apply = await run.engine(applyArgs(run.dirs.planFile, varFile), { kind: "log" }).finally(async () => {
    save = await saveState(run, originalState);
  });
  const counts = apply.stdout.counts;
  const failedSave: Partial<Outcome> = save.error
    ? {
        keepWorkDir: true,
        note: "Error: Terrapod could not upload the new state; the runner kept it on disk.",
      }
    : {};
  const withSaveError = (message: string | undefined) =>
    save.error
      ? `${message ? `${message}; ` : ""}the new state could not be uploaded: ${save.error}`
      : message;

  if (apply.exit.exitCode === 0) {
    const message = withSaveError(undefined);
    return message
      ? { status: "errored", counts, errorMessage: message, ...failedSave }
      : { status: "finished", counts };
  }
  if (apply.exit.cancelled || run.cancellation.requested) {
    const message = withSaveError(undefined);
    return { ...canceled(), counts, ...(message ? { errorMessage: message } : {}), ...failedSave };
  }
  const reason =
    apply.firstError ??
    `${run.engineName} apply failed (exit code ${apply.exit.exitCode ?? apply.exit.signal})`;
  return { status: "errored", counts, errorMessage: withSaveError(reason) ?? reason, ...failedSave };
}
