import { z } from "zod";
import { protocolVersion } from "./runner-messages.ts";

/**
 * The contract between the server and an executor: the process that claims runnable phases and starts a
 * runner for each (the server's own child-process executor, a Kubernetes listener, an agent pool's
 * listener in another cluster). Remote executors speak it over HTTPS (`executorPaths`); the embedded
 * executor uses the same messages in-process.
 */

export const Phase = z.enum(["plan", "apply"]);
export type Phase = z.infer<typeof Phase>;

/** One execution attempt of one phase of one run: what an executor starts, stops and reports on. */
export const JobRef = z.object({
  runId: z.string().min(1),
  phase: Phase,
  attempt: z.number().int().positive(),
});
export type JobRef = z.infer<typeof JobRef>;

/** Ask for the next runnable phase. */
export const ClaimRequest = z.object({
  version: z.literal(protocolVersion),
  /** Stable for the executor process's life; recorded on the run (who runs it). */
  executorId: z.string().min(1).max(200),
  /** The agent pool the executor serves; absent for the server's built-in pool. */
  pool: z.string().min(1).max(200).optional(),
});
export type ClaimRequest = z.infer<typeof ClaimRequest>;

/** A claimed phase, with the job token its runner authenticates with. */
export const ClaimedJob = JobRef.extend({
  workspaceId: z.string().min(1),
  organization: z.string().min(1),
  /** Bearer token for the runner API, valid for this job only. Never logged. */
  token: z.string().min(1),
});
export type ClaimedJob = z.infer<typeof ClaimedJob>;

export const ClaimReply = z.object({
  version: z.literal(protocolVersion),
  job: ClaimedJob.nullable(),
});
export type ClaimReply = z.infer<typeof ClaimReply>;

/** Stop a running job: `force` kills the engine, otherwise it is interrupted and saves its state. */
export const StopRequest = z.object({
  runId: z.string().min(1),
  force: z.boolean(),
});
export type StopRequest = z.infer<typeof StopRequest>;

/** A job an executor runs, with the strongest stop it has already applied to it. */
export const RunningJob = JobRef.extend({
  stopping: z.enum(["graceful", "force"]).optional(),
});
export type RunningJob = z.infer<typeof RunningJob>;

/** Wait for wake-ups and stops (long poll). */
export const EventsRequest = z.object({
  version: z.literal(protocolVersion),
  executorId: z.string().min(1).max(200),
  /** Jobs the executor runs now: the answer holds only stops stronger than what they already got. */
  running: z.array(RunningJob).max(1000),
  waitSeconds: z.number().min(0).max(30),
});
export type EventsRequest = z.infer<typeof EventsRequest>;

/**
 * What an executor hears while it waits (long poll): whether there may be work to claim, and which of
 * its jobs must stop. Stops are recomputed from the database on every poll, so a wake-up lost between
 * two polls costs nothing; receivers treat repeated stops as one.
 */
export const ExecutorEvents = z.object({
  version: z.literal(protocolVersion),
  wake: z.boolean(),
  stops: z.array(StopRequest),
});
export type ExecutorEvents = z.infer<typeof ExecutorEvents>;

/** A runner that ended without reporting its result (crashed, killed, pod lost). */
export const LostJobReport = JobRef.extend({
  version: z.literal(protocolVersion),
  executorId: z.string().min(1).max(200),
  /** Shown to users in the run's error when the phase cannot be retried. */
  reason: z.string().max(2000),
});
export type LostJobReport = z.infer<typeof LostJobReport>;

/** Paths of the executor API under the server's base URL (authenticated as an executor). */
export const executorPaths = {
  /** POST ClaimRequest → ClaimReply */
  claim: "/api/runner/v1/executors/claim",
  /** POST EventsRequest → ExecutorEvents (answers at once when a stop is pending) */
  events: "/api/runner/v1/executors/events",
  /** POST LostJobReport → 204 */
  lost: "/api/runner/v1/executors/lost",
} as const;

/** In-process wake-up topics on the server's event bus (published by core, heard by executors). */
export const executorTopics = {
  /** A phase may have become claimable. Payload: `{}`. */
  runQueued: "runs.queued",
  /** A running job must stop. Payload: StopRequest. */
  stopJob: "runs.stop",
} as const;
