import { runs } from "@terrapod/db";
import { and, eq, inArray, lt } from "drizzle-orm";
import { applyRunEvent, findRunById, runningStatuses } from "../run/index.ts";
import { afterRunEnded } from "./after-run-ended.ts";
import type { JobDeps } from "./deps.ts";
import { shutdownApplyError } from "./finish-job.ts";
import { persistPhaseLog } from "./persist-phase-log.ts";

export type ReapFilter = {
  readonly heartbeatBefore?: Date;
  /** Only jobs claimed by executors this accepts (e.g. every job of a local executor that restarted). */
  readonly claimedBy?: (executor: string | null) => boolean;
  /** Only this run's phase at this attempt (an executor whose runner died without reporting). */
  readonly job?: { readonly runId: string; readonly attempt: number };
  /** Shown to users when the phase cannot be retried; a default message names the phase otherwise. */
  readonly reason?: string;
};

/** Plans lost this many times are not retried again. */
const maxPlanAttempts = 3;

/**
 * Ends phases whose runner is gone. A lost plan is requeued (safe: plans change nothing) up to three
 * attempts (always, when its server interrupted it to shut down); a lost apply errors, with a message
 * saying so. Returns how many phases it ended.
 */
export async function reapJobs(deps: JobDeps, filter: ReapFilter): Promise<number> {
  const conds = [inArray(runs.status, [...runningStatuses])];
  if (filter.heartbeatBefore) conds.push(lt(runs.heartbeatAt, filter.heartbeatBefore));
  if (filter.job) conds.push(eq(runs.id, filter.job.runId), eq(runs.attempt, filter.job.attempt));
  const candidates = await deps.db
    .select()
    .from(runs)
    .where(and(...conds));
  let reaped = 0;
  for (const candidate of candidates) {
    if (filter.claimedBy && !filter.claimedBy(candidate.claimedBy)) continue;
    let ended = false;
    await deps.db.transaction(async (tx) => {
      const row = await findRunById(tx, candidate.id, true);
      if (!row || row.run.status !== candidate.status || row.run.attempt !== candidate.attempt) return;
      const byShutdown = row.run.shutdownInterruptedAt !== null;
      const retry =
        row.run.status === "planning" &&
        (row.run.attempt < maxPlanAttempts || byShutdown) &&
        row.run.cancelRequestedAt === null;
      if (retry) {
        await applyRunEvent(tx, deps, row.run, { type: "requeue" }, { claimedBy: null });
      } else {
        const apply = row.run.status === "applying";
        const errorMessage =
          apply && byShutdown ? shutdownApplyError(filter.reason) : lostPhaseMessage(apply, filter.reason);
        await applyRunEvent(tx, deps, row.run, { type: "error" }, { errorMessage });
        ended = true;
      }
      reaped += 1;
    });
    const isPlan = candidate.status === "planning";
    await persistPhaseLog(
      deps,
      candidate,
      isPlan ? "plan" : "apply",
      isPlan ? candidate.planId : candidate.applyId,
    );
    if (ended) await afterRunEnded(deps, candidate.workspaceId, candidate.id);
    else deps.signals.runQueued();
  }
  return reaped;
}

function lostPhaseMessage(apply: boolean, reason: string | undefined): string {
  const why = reason ? ` (${reason})` : "";
  return apply
    ? `The runner executing this apply stopped responding${why}; any state it saved has been kept. Check the state before running again.`
    : `The runner executing this plan stopped responding${why}.`;
}
