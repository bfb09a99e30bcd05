import type { ClaimedJob, JobRef, StopRequest } from "./executor-messages.ts";

/** How a runner ended, as its launcher saw it. */
export type JobExit = {
  /** The runner delivered its result to the server (exit code 0 of the runner program). */
  readonly reported: boolean;
  /** Shown to users when the phase is ended for it: exit code, OOM kill, image pull failure, … */
  readonly reason: string;
};

/** A runner the launcher started. */
export type LaunchedJob = {
  readonly job: JobRef;
  /** Settles when the runner is gone; never rejects. */
  readonly exited: Promise<JobExit>;
};

/**
 * Starts and stops runners: child processes (the embedded executor), Kubernetes Jobs (the listener).
 * The executor loop (`createExecutorLoop`) decides what to run; a launcher only knows how.
 */
export interface Launcher {
  /** Starts the job's runner. Idempotent per job (a retried launch never starts two runners). */
  start(job: ClaimedJob): Promise<LaunchedJob>;
  /**
   * Asks a job's runner to stop: gracefully (the runner interrupts its engine and saves state) or by
   * force. Unknown jobs are ignored. The loop sends each escalation once.
   */
  stop(request: StopRequest): void;
  /** Jobs whose runner is alive now. */
  running(): readonly JobRef[];
  /** Interrupts every runner, waits up to `graceMs` for them to end, then kills what is left. */
  shutdown(graceMs: number): Promise<void>;
}
