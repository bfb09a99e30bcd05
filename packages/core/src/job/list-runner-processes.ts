import { runs } from "@terrapod/db";
import { inArray } from "drizzle-orm";
import { runningStatuses } from "../run/index.ts";
import type { JobDeps } from "./deps.ts";

/** A running phase and the runner process recorded for it (none when the executor did not record one). */
export type RunnerProcess = {
  readonly runId: string;
  readonly phase: "plan" | "apply";
  readonly attempt: number;
  readonly claimedBy: string | null;
  readonly pid: number | null;
  readonly startedAtTicks: number | null;
};

/** Running phases claimed by executors `claimedBy` accepts, with their recorded runner processes. */
export async function listRunnerProcesses(
  deps: Pick<JobDeps, "db">,
  claimedBy: (executor: string | null) => boolean,
): Promise<RunnerProcess[]> {
  const rows = await deps.db
    .select({
      runId: runs.id,
      status: runs.status,
      attempt: runs.attempt,
      claimedBy: runs.claimedBy,
      pid: runs.runnerPid,
      startedAtTicks: runs.runnerStartedAtTicks,
    })
    .from(runs)
    .where(inArray(runs.status, [...runningStatuses]));
  return rows
    .filter((r) => claimedBy(r.claimedBy))
    .map(({ status, ...r }) => ({ ...r, phase: status === "planning" ? "plan" : "apply" }));
}
