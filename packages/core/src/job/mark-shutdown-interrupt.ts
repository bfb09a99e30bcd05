import { runs } from "@terrapod/db";
import type { JobRef } from "@terrapod/runner-protocol";
import { and, eq } from "drizzle-orm";
import type { JobDeps } from "./deps.ts";

/**
 * Notes that an executor interrupts these phases because its server is shutting down (not because a
 * user canceled): when such a runner reports `canceled`, its plan goes back to the queue and its apply
 * errors with a message saying the server shut down (`finishJob`).
 */
export async function markShutdownInterrupt(
  deps: Pick<JobDeps, "db" | "clock">,
  jobs: readonly JobRef[],
): Promise<void> {
  const at = deps.clock.now();
  for (const job of jobs) {
    await deps.db
      .update(runs)
      .set({ shutdownInterruptedAt: at })
      .where(
        and(
          eq(runs.id, job.runId),
          eq(runs.attempt, job.attempt),
          eq(runs.status, job.phase === "plan" ? "planning" : "applying"),
        ),
      );
  }
}
