import { runs } from "@terrapod/db";
import type { RunningJob, StopRequest } from "@terrapod/runner-protocol";
import { inArray } from "drizzle-orm";
import type { JobDeps } from "./deps.ts";

/**
 * Which of an executor's running jobs must stop: a job that is no longer its run's current phase
 * (force-canceled, reaped, superseded) stops by force; a run with a cancel request stops gracefully,
 * or by force when that was asked. A job that already got a stop at least as strong is left out, so an
 * executor's long poll waits instead of hearing the same stop again.
 */
export async function listJobStops(
  deps: Pick<JobDeps, "db">,
  running: readonly RunningJob[],
): Promise<StopRequest[]> {
  if (running.length === 0) return [];
  const rows = await deps.db
    .select({
      id: runs.id,
      status: runs.status,
      attempt: runs.attempt,
      cancelRequestedAt: runs.cancelRequestedAt,
      forceCancelRequested: runs.forceCancelRequested,
    })
    .from(runs)
    .where(
      inArray(
        runs.id,
        running.map((j) => j.runId),
      ),
    );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const stops: StopRequest[] = [];
  for (const job of running) {
    const row = byId.get(job.runId);
    const expected = job.phase === "plan" ? "planning" : "applying";
    const current = row !== undefined && row.status === expected && row.attempt === job.attempt;
    const wanted = !current
      ? "force"
      : row.forceCancelRequested
        ? "force"
        : row.cancelRequestedAt !== null
          ? "graceful"
          : undefined;
    if (wanted === undefined || job.stopping === "force" || job.stopping === wanted) continue;
    stops.push({ runId: job.runId, force: wanted === "force" });
  }
  return stops;
}
