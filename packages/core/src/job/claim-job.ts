import { runs } from "@terrapod/db";
import type { RunId } from "@terrapod/kernel";
import { and, asc, eq, inArray, isNull, not, type SQL, sql } from "drizzle-orm";
import { applyRunEvent, cliApplyHoldMs, cliRunSources, findRunById, logStreamName } from "../run/index.ts";
import type { JobDeps } from "./deps.ts";

/** A claimed phase (the executor then issues the runner's token). */
export type ClaimedPhase = {
  readonly runId: RunId;
  readonly workspaceId: string;
  readonly organization: string;
  readonly phase: "plan" | "apply";
  readonly attempt: number;
};

/**
 * Claims the next runnable phase for an executor (row locks with SKIP LOCKED: several executors never
 * take the same phase). Applies go before plans, non-speculative before speculative, then queue order.
 */
export async function claimJob(deps: JobDeps, executorId: string): Promise<ClaimedPhase | undefined> {
  const holdUntil = new Date(deps.clock.now().getTime() - cliApplyHoldMs).toISOString();
  const job = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(runs)
      .where(
        and(
          inArray(runs.status, ["plan_queued", "apply_queued"]),
          // An auto-applied CLI run's apply waits until the CLI has read the plan's log to its end (or a
          // few seconds): the CLI looks at the run only then, and an apply that already errored would
          // end the command without showing why.
          not(
            and(
              eq(runs.status, "apply_queued"),
              eq(runs.autoApply, true),
              inArray(runs.source, [...cliRunSources]),
              isNull(runs.planLogReadAt),
              sql`${runs.statusTimestamps}->>'apply-queued-at' > ${holdUntil}`,
            ) as SQL,
          ),
        ),
      )
      .orderBy(
        sql`case when ${runs.status} = 'apply_queued' then 0 else 1 end`,
        asc(runs.speculative),
        asc(runs.queuedAt),
        asc(runs.createdAt),
      )
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return undefined;
    const phase: "plan" | "apply" = row.status === "apply_queued" ? "apply" : "plan";
    const attempt = row.attempt + 1;
    await applyRunEvent(
      tx,
      deps,
      row,
      { type: "start" },
      {
        claimedBy: executorId,
        attempt,
        heartbeatAt: deps.clock.now(),
        runnerPid: null,
        runnerStartedAtTicks: null,
        shutdownInterruptedAt: null,
      },
    );
    const full = await findRunById(tx, row.id);
    return {
      runId: row.id as RunId,
      workspaceId: row.workspaceId,
      organization: full?.orgName ?? "",
      phase,
      attempt,
      phaseId: phase === "plan" ? row.planId : row.applyId,
    };
  });
  if (!job) return undefined;
  // A retried phase logs from offset 0 again: drop what an earlier attempt left in the live stream.
  await deps.logs.delete(logStreamName(job.phaseId));
  const { phaseId: _phaseId, ...claimed } = job;
  return claimed;
}
