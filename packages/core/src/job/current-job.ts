import { type Actor, ConflictError, ForbiddenError, NotFoundError } from "@terrapod/kernel";
import { findRunById } from "../run/index.ts";
import type { JobDeps } from "./deps.ts";

/** Whether `phase` at `attempt` is what the run is executing now (a phase token lives exactly that long). */
export function isCurrentPhase(
  run: { readonly status: string; readonly attempt: number },
  phase: "plan" | "apply",
  attempt: number,
): boolean {
  return run.status === (phase === "plan" ? "planning" : "applying") && run.attempt === attempt;
}

/** The job token's run, if the token is for the phase executing now (anything else is a stale runner). */
export async function currentJob(deps: Pick<JobDeps, "db">, actor: Actor) {
  if (actor.kind !== "run") throw new ForbiddenError("this endpoint is for runners");
  const row = await findRunById(deps.db, actor.runId);
  if (!row) throw new NotFoundError("run", actor.runId);
  const current = isCurrentPhase(row.run, actor.phase, actor.attempt);
  return { row, current, actor };
}

/** As `currentJob`, refusing (409) a runner whose phase is no longer the run's current one. */
export async function requireCurrentJob(deps: Pick<JobDeps, "db">, actor: Actor) {
  const job = await currentJob(deps, actor);
  if (!job.current) {
    throw new ConflictError(
      "this job is no longer the run's current phase",
      { runId: job.actor.runId },
      "job superseded",
    );
  }
  return job;
}
