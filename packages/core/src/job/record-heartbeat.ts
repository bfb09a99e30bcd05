import { runs } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { currentJob } from "./current-job.ts";
import type { JobDeps } from "./deps.ts";

/** Records that the runner is alive; tells it whether to stop. */
export async function recordHeartbeat(
  deps: JobDeps,
  actor: Actor,
): Promise<{ cancel: boolean; force: boolean }> {
  const { row, current } = await currentJob(deps, actor);
  // A runner whose phase is no longer current (force-canceled, reaped, superseded) must stop now.
  if (!current) return { cancel: true, force: true };
  await deps.db.update(runs).set({ heartbeatAt: deps.clock.now() }).where(eq(runs.id, row.run.id));
  return { cancel: row.run.cancelRequestedAt !== null, force: row.run.forceCancelRequested };
}
