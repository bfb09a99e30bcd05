import type { JobService, RunnerProcess } from "@terrapod/core";
import type { Logger } from "../logger.ts";
import { isPreviousLocalExecutor, sameHost } from "./executor-identity.ts";
import { isAlive, stopProcessTree } from "./process-tree.ts";

export type PreviousRunnersDeps = {
  readonly jobs: Pick<JobService, "runnerProcesses" | "reap">;
  readonly log: Logger;
  readonly mode: "embedded" | "production";
  /** This process's executor id. */
  readonly executorId: string;
  /** SIGTERM → SIGKILL of a left-over runner; then how long to wait for it to be gone. */
  readonly termGraceMs?: number;
  readonly killWaitMs?: number;
  /** A runner with no recorded pid notices its parent died within this long and stops (fencing). */
  readonly unrecordedWaitMs?: number;
};

/** How a phase ended at restart is explained (after "the runner … stopped responding"). */
export const restartReason =
  "the server restarted; the runner left by its previous process was stopped at restart";

/**
 * Ends the phases a previous process of this server left running, but only once their runners (and the
 * engines they started) are gone, so that a retried plan or the workspace's next run never runs next to
 * an engine still at work: a recorded runner that still runs (same pid, same start time) is stopped
 * with everything it started; one without a record has had time to fence itself. Plans go back to the
 * queue, applies error saying so (state they saved is kept). Returns how many phases were ended.
 */
export async function endPreviousRunners(deps: PreviousRunnersDeps): Promise<number> {
  const { log, executorId } = deps;
  const local = await deps.jobs.runnerProcesses((c) => c !== executorId && c?.startsWith("local:") === true);
  const previous = new Set<string>();
  for (const claimant of new Set(local.map((p) => p.claimedBy))) {
    if (claimant !== null && (await isPreviousLocalExecutor(claimant, executorId, deps.mode, isAlive))) {
      previous.add(claimant);
    }
  }
  const phases = local.filter((p) => p.claimedBy !== null && previous.has(p.claimedBy));
  if (phases.length === 0) return 0;
  let unrecorded = false;
  for (const phase of phases) {
    if (!sameHost(phase.claimedBy, executorId)) continue;
    if (phase.pid === null || phase.startedAtTicks === null) unrecorded = true;
    else await stopRunner(deps, phase, phase.pid, phase.startedAtTicks);
  }
  if (unrecorded) await Bun.sleep(deps.unrecordedWaitMs ?? 2500);
  const ended = await deps.jobs.reap({
    claimedBy: (c) => c !== null && previous.has(c),
    reason: restartReason,
  });
  log.warn({ ended, runs: phases.map((p) => p.runId) }, "ended phases left running by a previous process");
  return ended;
}

async function stopRunner(deps: PreviousRunnersDeps, phase: RunnerProcess, pid: number, ticks: number) {
  const started = Date.now();
  const outcome = await stopProcessTree(pid, ticks, {
    termGraceMs: deps.termGraceMs ?? 3000,
    killWaitMs: deps.killWaitMs ?? 5000,
  });
  const fields = { runId: phase.runId, phase: phase.phase, pid, outcome, ms: Date.now() - started };
  if (outcome === "stopped") deps.log.warn(fields, "stopped a runner left by a previous process");
  else if (outcome === "not-running") deps.log.info(fields, "the runner of a previous process is gone");
  else deps.log.error(fields, "could not make sure the runner of a previous process is gone");
}
