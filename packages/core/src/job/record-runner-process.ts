import { runs } from "@terrapod/db";
import { and, eq, inArray } from "drizzle-orm";
import { runningStatuses } from "../run/index.ts";
import type { JobDeps } from "./deps.ts";

/** A local runner process as its executor saw it start. */
export type RunnerProcessRecord = {
  readonly runId: string;
  readonly attempt: number;
  /** The executor that claimed the phase (only its own claim is annotated). */
  readonly executorId: string;
  readonly pid: number;
  /** Start time in clock ticks since boot (`/proc/<pid>/stat` field 22): tells a reused pid apart. */
  readonly startedAtTicks: number | null;
};

/**
 * Records which process runs a claimed phase, so that a restarted server can make sure it is gone
 * before ending the phase. False when the phase is no longer this executor's current one.
 */
export async function recordRunnerProcess(
  deps: Pick<JobDeps, "db">,
  record: RunnerProcessRecord,
): Promise<boolean> {
  const updated = await deps.db
    .update(runs)
    .set({ runnerPid: record.pid, runnerStartedAtTicks: record.startedAtTicks })
    .where(
      and(
        eq(runs.id, record.runId),
        eq(runs.attempt, record.attempt),
        eq(runs.claimedBy, record.executorId),
        inArray(runs.status, [...runningStatuses]),
      ),
    )
    .returning({ id: runs.id });
  return updated.length > 0;
}
