import { type RunId, TerrapodError } from "@terrapod/kernel";
import { claimAutoDestroy, listDueAutoDestroys, unclaimAutoDestroy } from "../workspace/index.ts";
import { createRun } from "./create-run.ts";
import type { RunDeps } from "./deps.ts";

/** What became of one due auto-destroy: its run, or why none could be queued. */
export type AutoDestroyOutcome = {
  readonly workspaceId: string;
  readonly scheduledFor: Date;
  readonly runId?: RunId;
  readonly error?: string;
};

/**
 * TFE's `auto-destroy-at`: once the time has come, queue a destroy run that applies without confirmation
 * and unset the schedule. A run that cannot be queued (no configuration uploaded yet, say) ends the
 * schedule too, with the reason in the outcome; an infrastructure failure puts the schedule back.
 */
export async function queueDueAutoDestroys(deps: RunDeps): Promise<AutoDestroyOutcome[]> {
  const outcomes: AutoDestroyOutcome[] = [];
  for (const due of await listDueAutoDestroys(deps.db, deps.clock.now())) {
    if (!(await claimAutoDestroy(deps.db, due.id, due.autoDestroyAt))) continue;
    const base = { workspaceId: due.id, scheduledFor: due.autoDestroyAt };
    try {
      const run = await createRun(
        deps,
        { kind: "system", reason: "auto-destroy" },
        {
          workspaceId: due.id,
          isDestroy: true,
          autoApply: true,
          message: `Queued by the workspace's auto-destroy schedule (${due.autoDestroyAt.toISOString()})`,
        },
      );
      outcomes.push({ ...base, runId: run.id });
    } catch (err) {
      const passing = !(err instanceof TerrapodError) || ["UNAVAILABLE", "INTERNAL"].includes(err.code);
      if (passing) {
        await unclaimAutoDestroy(deps.db, due.id, due.autoDestroyAt);
        throw err;
      }
      outcomes.push({ ...base, error: err.message });
    }
  }
  return outcomes;
}
