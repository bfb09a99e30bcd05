import { type Actor, ConflictError, ForbiddenError, NotFoundError } from "@terrapod/kernel";
import { findRunById } from "../run/index.ts";
import type { JobDeps } from "./deps.ts";

/** The job token's run, if the token is for the phase executing now (anything else is a stale runner). */
export async function currentJob(deps: Pick<JobDeps, "db">, actor: Actor) {
  if (actor.kind !== "run") throw new ForbiddenError("this endpoint is for runners");
  const row = await findRunById(deps.db, actor.runId);
  if (!row) throw new NotFoundError("run", actor.runId);
  const expected = actor.phase === "plan" ? "planning" : "applying";
  const current = row.run.status === expected && row.run.attempt === actor.attempt;
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
