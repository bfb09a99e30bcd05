import { runs } from "@terrapod/db";
import { and, eq, isNull } from "drizzle-orm";
import type { RunDeps } from "./deps.ts";

/**
 * The plan's log was read to its end marker: an auto-applied CLI run's apply may start now (see
 * `cliApplyHoldMs`). Called by the log transport (a capability read of the plan log).
 */
export async function markPlanLogRead(deps: RunDeps, planId: string): Promise<void> {
  const updated = await deps.db
    .update(runs)
    .set({ planLogReadAt: deps.clock.now() })
    .where(and(eq(runs.planId, planId), isNull(runs.planLogReadAt)))
    .returning({ status: runs.status });
  if (updated[0]?.status === "apply_queued") deps.signals.runQueued();
}
