import { releaseRunLock } from "../workspace/index.ts";
import type { JobDeps } from "./deps.ts";
import { scheduleWorkspace } from "./schedule-workspace.ts";

/** After a run ended: release its hold on the workspace and let the next run go. */
export async function afterRunEnded(deps: JobDeps, workspaceId: string, runId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await releaseRunLock(tx, workspaceId, runId);
  });
  await scheduleWorkspace(deps, workspaceId);
}
