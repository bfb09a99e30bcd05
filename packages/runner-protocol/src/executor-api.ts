import type { ClaimedJob, ClaimRequest, ExecutorEvents, JobRef, LostJobReport } from "./executor-messages.ts";

/** What an executor waits for: up to `waitMs`, or until `signal` aborts (then it answers at once). */
export type EventsQuery = {
  readonly executorId: string;
  /** Jobs the executor runs now: jobs the server no longer considers current come back as stops. */
  readonly running: readonly JobRef[];
  readonly waitMs: number;
  readonly signal?: AbortSignal;
};

/**
 * The server as an executor sees it. The embedded executor calls it in-process; remote executors
 * through `createExecutorClient` (HTTPS). Both sides parse the messages in `executor-messages.ts`.
 */
export interface ExecutorApi {
  claim(request: ClaimRequest): Promise<ClaimedJob | undefined>;
  events(query: EventsQuery): Promise<ExecutorEvents>;
  reportLost(report: LostJobReport): Promise<void>;
}
