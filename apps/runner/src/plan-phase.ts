import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { planArgs, providerSchemasArgs } from "./engine-args.ts";
import { canceled, errored, type Outcome, type PhaseRun } from "./phase-run.ts";
import { type PlanSummary, summarizePlan } from "./plan-summary.ts";
import { renderVarFile } from "./var-file.ts";
import { readRegularFile } from "./workdir.ts";

/**
 * init, plan (-detailed-exitcode), then the plan's JSON for the counts. A plan that may be applied also
 * uploads the binary plan, its JSON, the provider schemas and the lock file. A speculative plan
 * (planOnly) writes a throw-away plan file only to count it.
 */
export async function runPlanPhase(run: PhaseRun): Promise<Outcome> {
  const { spec, dirs } = run;
  const op = spec.operation;
  await writeFile(dirs.varFile, renderVarFile(spec.variables), { mode: 0o600 });

  const initFailed = await run.init();
  if (initFailed) return initFailed;

  const planOut = op.planOnly ? dirs.speculativePlanFile : dirs.planFile;
  const plan = await run.engine(planArgs(op, { planOut, varFile: dirs.varFile }), { kind: "log" });
  if (run.cancellation.requested) return canceled();
  const code = plan.exit.exitCode;
  if (code !== 0 && code !== 2) {
    return errored(
      plan.firstError ?? `${run.engineName} plan failed (exit code ${code ?? plan.exit.signal})`,
    );
  }

  let summary: PlanSummary | undefined;
  if (await run.showJson(planOut, dirs.planJson, "plan")) {
    try {
      summary = summarizePlan(await Bun.file(dirs.planJson).json());
    } catch (err) {
      run.deps.log.warn({ err }, "could not read the plan JSON");
    }
  }

  if (!op.planOnly) {
    try {
      await run.upload("plan-file", () => Bun.file(dirs.planFile));
      const lock = await readRegularFile(join(run.deps.cwd, ".terraform.lock.hcl"));
      if (lock) await run.upload("lock-file", () => lock);
    } catch (err) {
      run.deps.log.error({ err }, "plan upload failed");
      const message = err instanceof Error ? err.message : String(err);
      return errored(
        `Terrapod could not upload the plan: ${message}`,
        `Error: Terrapod could not upload the plan.`,
      );
    }
    if (summary) await run.uploadOptional("plan-json", () => Bun.file(dirs.planJson));
    const schemas = await run.engine(providerSchemasArgs(), { kind: "file", path: dirs.providerSchemas });
    if (schemas.exit.exitCode === 0)
      await run.uploadOptional("provider-schemas", () => Bun.file(dirs.providerSchemas));
    else run.deps.log.warn({ error: schemas.firstError }, "providers schema -json failed");
  }
  if (run.cancellation.requested) return canceled();

  return {
    status: "finished",
    // The engine's verdict (resource or root output changes, or refresh-only drift worth saving),
    // cross-checked with the JSON. allow-empty-apply is the server's call: the plan file is always kept.
    hasChanges: code === 2 || (summary?.changes ?? false),
    ...(summary ? { counts: summary.counts } : {}),
  };
}
