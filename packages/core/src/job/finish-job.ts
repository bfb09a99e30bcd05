import type { runs } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import type { PhaseResult } from "@terrapod/runner-protocol";
import {
  applyRunEvent,
  findRunById,
  type RunEvent,
  runningStatuses,
  terminalStatuses,
} from "../run/index.ts";
import { findWorkspaceForUpdate, releaseRunLock } from "../workspace/index.ts";
import { afterRunEnded } from "./after-run-ended.ts";
import { currentJob } from "./current-job.ts";
import type { JobDeps } from "./deps.ts";
import { persistPhaseLog } from "./persist-phase-log.ts";

/** The run event and recorded columns for a phase's result. */
export function phaseOutcome(
  phase: "plan" | "apply",
  result: PhaseResult,
): { event: RunEvent; extra: Partial<typeof runs.$inferInsert> } {
  const counts = result.counts;
  if (phase === "plan") {
    const event: RunEvent =
      result.status === "finished"
        ? { type: "plan_finished", hasChanges: result.hasChanges ?? false }
        : result.status === "canceled"
          ? { type: "phase_canceled" }
          : { type: "plan_errored" };
    return {
      event,
      extra: {
        hasChanges: result.hasChanges ?? false,
        errorMessage: result.errorMessage ?? null,
        planAdditions: counts?.additions ?? null,
        planChanges: counts?.changes ?? null,
        planDestructions: counts?.destructions ?? null,
        planImports: counts?.imports ?? null,
      },
    };
  }
  const event: RunEvent =
    result.status === "finished"
      ? { type: "apply_finished" }
      : result.status === "canceled"
        ? { type: "phase_canceled" }
        : { type: "apply_errored" };
  return {
    event,
    extra: {
      errorMessage: result.errorMessage ?? null,
      applyAdditions: counts?.additions ?? null,
      applyChanges: counts?.changes ?? null,
      applyDestructions: counts?.destructions ?? null,
      applyImports: counts?.imports ?? null,
    },
  };
}

/** The runner's report that its phase is over. */
export async function finishJob(deps: JobDeps, actor: Actor, result: PhaseResult): Promise<void> {
  const job = await currentJob(deps, actor);
  const { row } = job;
  const phase = job.actor.phase;
  const phaseId = phase === "plan" ? row.run.planId : row.run.applyId;
  if (!job.current) {
    // The run moved on (force-canceled, reaped): nothing to change, but keep the log.
    await persistPhaseLog(deps, row.run, phase, phaseId);
    return;
  }
  let ended = false;
  await deps.db.transaction(async (tx) => {
    // Lock order: workspace first, then run (as the scheduler does). An ended run lets go of the
    // workspace in this same transaction: no reader sees it ended yet still holding the lock.
    await findWorkspaceForUpdate(tx, row.run.workspaceId);
    const locked = await findRunById(tx, row.run.id, true);
    if (
      !locked ||
      !runningStatuses.includes(locked.run.status as never) ||
      locked.run.attempt !== job.actor.attempt
    )
      return;
    const { event, extra } = phaseOutcome(phase, result);
    const t = await applyRunEvent(tx, deps, locked.run, event, extra);
    ended = phase === "apply" || terminalStatuses.includes(t.status) || t.status === "planned_and_saved";
    if (ended) await releaseRunLock(tx, row.run.workspaceId, row.run.id);
  });
  try {
    await persistPhaseLog(deps, row.run, phase, phaseId);
  } finally {
    // Even when the log could not be stored, the next run goes.
    if (ended) await afterRunEnded(deps, row.run.workspaceId, row.run.id);
    else deps.signals.runQueued();
  }
}
