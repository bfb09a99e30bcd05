import { runs } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import { type JobSpec, protocolVersion } from "@terrapod/runner-protocol";
import { eq } from "drizzle-orm";
import { loadRun } from "../run/index.ts";
import { findWorkspaceById } from "../workspace/index.ts";
import { requireCurrentJob } from "./current-job.ts";
import type { EffectiveVariable, JobDeps } from "./deps.ts";

/** What the runner needs to execute its phase: workspace, engine, operation and variables. */
export async function readJobSpec(deps: JobDeps, actor: Actor): Promise<JobSpec> {
  const { row, actor: a } = await requireCurrentJob(deps, actor);
  const run = loadRun(deps, row);
  const ws = await findWorkspaceById(deps.db, run.workspaceId);
  if (!ws) throw new NotFoundError("workspace", run.workspaceId);
  const variables = await jobVariables(deps, row.run.id, a.phase, row.run.jobVariables, run);
  return {
    version: protocolVersion,
    runId: run.id,
    phase: a.phase,
    attempt: a.attempt,
    workspace: {
      id: ws.id,
      name: ws.name,
      organization: ws.organization,
      workingDirectory: ws.workingDirectory,
    },
    engine: run.engine,
    engineVersion: run.engineVersion,
    operation: {
      isDestroy: run.isDestroy,
      refresh: run.refresh,
      refreshOnly: run.refreshOnly,
      targetAddrs: [...run.targetAddrs],
      replaceAddrs: [...run.replaceAddrs],
      ...(run.invokeActionAddrs.length > 0 ? { invokeActionAddrs: [...run.invokeActionAddrs] } : {}),
      allowEmptyApply: run.allowEmptyApply,
      planOnly: run.planOnly,
    },
    variables: variables.map((v) => ({ ...v })),
    heartbeatIntervalSeconds: deps.heartbeatIntervalSeconds,
  };
}

/**
 * The variables a phase runs with. The plan resolves them (TFE precedence) and seals the result on the
 * run; the apply reuses exactly that, because engines refuse an apply whose inputs differ from the plan's.
 */
async function jobVariables(
  deps: JobDeps,
  runId: string,
  phase: "plan" | "apply",
  sealed: string | null,
  run: { workspaceId: string; variables: readonly { key: string; value: string }[] },
): Promise<readonly EffectiveVariable[]> {
  const aad = `job-variables:${runId}`;
  if (phase === "apply" && sealed) {
    return JSON.parse(deps.secrets.decrypt(sealed, aad)) as EffectiveVariable[];
  }
  const resolved = await deps.variables.forRun(run.workspaceId, run.variables);
  await deps.db
    .update(runs)
    .set({ jobVariables: deps.secrets.encrypt(JSON.stringify(resolved), aad) })
    .where(eq(runs.id, runId));
  return resolved;
}
