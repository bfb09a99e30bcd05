import { releaseRunLock } from "../workspace/index.ts";
import type { JobDeps } from "./deps.ts";
import { persistPhaseLog } from "./persist-phase-log.ts";
import { scheduleWorkspace } from "./schedule-workspace.ts";

/** A phase a user action ended while its runner was executing it (force-cancel). */
export type InterruptedPhase = { readonly phase: "plan" | "apply"; readonly phaseId: string };

/**
 * After a run ended: release its hold on the workspace and let the next run go. A phase ended under its
 * runner has its log stored now: the runner's token died with the phase, so it cannot report any more.
 */
export async function afterRunEnded(
  deps: JobDeps,
  workspaceId: string,
  runId: string,
  interrupted?: InterruptedPhase,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await releaseRunLock(tx, workspaceId, runId);
  });
  try {
    if (interrupted) {
      await persistPhaseLog(deps, { id: runId, workspaceId }, interrupted.phase, interrupted.phaseId);
    }
  } finally {
    // Even when the log could not be stored, the next run goes.
    await scheduleWorkspace(deps, workspaceId);
  }
}
