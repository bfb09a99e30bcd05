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

/** Why an apply interrupted by its server's shutdown ended (the runner's own words follow, if any). */
export const shutdownApplyMessage =
  "The server shut down while this apply was running, so Terrapod interrupted it; any state it saved has been kept. Check the state before running again.";

export const shutdownApplyError = (detail: string | undefined) =>
  detail ? `${shutdownApplyMessage} (${detail})` : shutdownApplyMessage;

type Outcome = { event: RunEvent; extra: Partial<typeof runs.$inferInsert> };

/**
 * The run event and recorded columns for a phase's result. A phase the executor interrupted because
 * its server shut down (not a user's cancel) and that reports `canceled` is not canceled: a plan goes
 * back to the queue (the next server start runs it), an apply errors saying the server shut down.
 */
export function phaseOutcome(
  phase: "plan" | "apply",
  result: PhaseResult,
  interruptedByShutdown = false,
): Outcome {
  if (interruptedByShutdown && result.status === "canceled") return shutdownOutcome(phase, result);
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

function shutdownOutcome(phase: "plan" | "apply", result: PhaseResult): Outcome {
  if (phase === "plan") {
    return {
      event: { type: "requeue" },
      extra: { claimedBy: null, shutdownInterruptedAt: null, runnerPid: null, runnerStartedAtTicks: null },
    };
  }
  const counts = result.counts;
  return {
    event: { type: "apply_errored" },
    extra: {
      errorMessage: shutdownApplyError(result.errorMessage),
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
    const byShutdown = locked.run.shutdownInterruptedAt !== null && locked.run.cancelRequestedAt === null;
    const { event, extra } = phaseOutcome(phase, result, byShutdown);
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
