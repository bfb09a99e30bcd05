import type {
  ClaimedJob,
  ClaimRequest,
  ExecutorEvents,
  LostJobReport,
  RunningJob,
} from "./executor-messages.ts";

/** What an executor waits for: up to `waitMs`, or until `signal` aborts (then it answers at once). */
export type EventsQuery = {
  readonly executorId: string;
  /**
   * Jobs the executor runs now, with the stop each already got: a job the server no longer considers
   * current, or whose run must stop, comes back as a stop unless it already got one as strong.
   */
  readonly running: readonly RunningJob[];
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
