import type { Actor } from "@terrapod/kernel";
import type { JobRef, PhaseResult, RunningJob } from "@terrapod/runner-protocol";
import { afterRunEnded, type InterruptedPhase } from "./after-run-ended.ts";
import { appendJobLog } from "./append-job-log.ts";
import { claimJob } from "./claim-job.ts";
import type { JobDeps } from "./deps.ts";
import { finishJob } from "./finish-job.ts";
import { getJobArtifact } from "./get-job-artifact.ts";
import { listJobStops } from "./list-job-stops.ts";
import { listPendingWorkspaces } from "./list-pending-workspaces.ts";
import { listRunnerProcesses } from "./list-runner-processes.ts";
import { markShutdownInterrupt } from "./mark-shutdown-interrupt.ts";
import { putJobArtifact } from "./put-job-artifact.ts";
import { type PhaseRef, readJobScope } from "./read-job-scope.ts";
import { readJobSpec } from "./read-job-spec.ts";
import { type ReapFilter, reapJobs } from "./reap-jobs.ts";
import { recordHeartbeat } from "./record-heartbeat.ts";
import { type RunnerProcessRecord, recordRunnerProcess } from "./record-runner-process.ts";
import { saveJobState } from "./save-job-state.ts";
import { scheduleWorkspace } from "./schedule-workspace.ts";

/**
 * How runs reach executors and runners: the queue (scheduling and claims), the runner protocol (the
 * actor is the job's run token) and the clean-up of lost jobs.
 */
export function createJobService(deps: JobDeps) {
  return {
    /** Runner protocol. */
    spec: (actor: Actor) => readJobSpec(deps, actor),
    heartbeat: (actor: Actor) => recordHeartbeat(deps, actor),
    appendLog: (actor: Actor, offset: number, data: Uint8Array) => appendJobLog(deps, actor, offset, data),
    putArtifact: (actor: Actor, name: string, body: ReadableStream<Uint8Array>) =>
      putJobArtifact(deps, actor, name, body),
    getArtifact: (actor: Actor, name: string) => getJobArtifact(deps, actor, name),
    saveState: (actor: Actor, body: ReadableStream<Uint8Array>) => saveJobState(deps, actor, body),
    finish: (actor: Actor, result: PhaseResult) => finishJob(deps, actor, result),
    /** Executors. */
    claim: (executorId: string) => claimJob(deps, executorId),
    stops: (running: readonly RunningJob[]) => listJobStops(deps, running),
    /** A phase token's workspace and organization while its phase is current (the authenticator). */
    scope: (ref: PhaseRef) => readJobScope(deps, ref),
    /** The embedded executor: which process runs a phase, and phases it interrupts to shut down. */
    recordRunner: (record: RunnerProcessRecord) => recordRunnerProcess(deps, record),
    runnerProcesses: (claimedBy: (executor: string | null) => boolean) =>
      listRunnerProcesses(deps, claimedBy),
    markShutdownInterrupt: (jobs: readonly JobRef[]) => markShutdownInterrupt(deps, jobs),
    /** The queue and background loops. */
    schedule: (workspaceId: string) => scheduleWorkspace(deps, workspaceId),
    runEnded: (workspaceId: string, runId: string, interrupted?: InterruptedPhase) =>
      afterRunEnded(deps, workspaceId, runId, interrupted),
    pendingWorkspaces: () => listPendingWorkspaces(deps),
    reap: (filter: ReapFilter) => reapJobs(deps, filter),
  };
}

export type JobService = ReturnType<typeof createJobService>;
