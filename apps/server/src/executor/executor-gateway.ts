import type { JobTokens } from "@terrapod/auth";
import type { JobService } from "@terrapod/core";
import type { EventBus } from "@terrapod/events";
import {
  type ClaimedJob,
  type ExecutorApi,
  type ExecutorEvents,
  executorTopics,
  protocolVersion,
} from "@terrapod/runner-protocol";

export type ExecutorGatewayDeps = {
  readonly jobs: JobService;
  readonly bus: EventBus;
  readonly jobTokens: JobTokens;
  /** Lifetime of the job token a claim hands out. */
  readonly jobTokenTtlSeconds: number;
};

export type ExecutorGateway = ExecutorApi & {
  /** Subscribes to the wake-up topics (before the first `events`). */
  start(): Promise<void>;
  /** Unsubscribes and answers every waiting `events` call. */
  close(): Promise<void>;
};

/**
 * The server's side of the executor contract: claims with job tokens, the events long poll (stops are
 * read from the database on every call; wake-ups come from the event bus, so a replica hears a cancel
 * made on another one at once), and lost-job reports. The embedded executor calls it in-process; the
 * executor API routes expose it to remote executors.
 */
export function createExecutorGateway(deps: ExecutorGatewayDeps): ExecutorGateway {
  const waiters = new Set<(wake: boolean) => void>();
  const unsubscribe: (() => Promise<void>)[] = [];
  const notify = (wake: boolean) => {
    for (const w of [...waiters]) w(wake);
  };

  function waitForBus(waitMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (wake: boolean) => {
        clearTimeout(timer);
        waiters.delete(done);
        signal?.removeEventListener("abort", onAbort);
        resolve(wake);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), waitMs);
      waiters.add(done);
      if (signal?.aborted) done(false);
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  return {
    async start() {
      unsubscribe.push(await deps.bus.subscribe(executorTopics.runQueued, () => notify(true)));
      unsubscribe.push(await deps.bus.subscribe(executorTopics.stopJob, () => notify(false)));
    },
    async close() {
      for (const u of unsubscribe.splice(0)) await u();
      notify(false);
    },
    async claim(request): Promise<ClaimedJob | undefined> {
      const job = await deps.jobs.claim(request.executorId);
      if (!job) return undefined;
      const token = deps.jobTokens.issue(
        { runId: job.runId, phase: job.phase, attempt: job.attempt },
        deps.jobTokenTtlSeconds,
      );
      return { ...job, token };
    },
    async events(query): Promise<ExecutorEvents> {
      const stops = await deps.jobs.stops(query.running);
      if (stops.length > 0 || query.waitMs <= 0) return { version: protocolVersion, wake: false, stops };
      const wake = await waitForBus(query.waitMs, query.signal);
      return { version: protocolVersion, wake, stops: await deps.jobs.stops(query.running) };
    },
    async reportLost(report) {
      await deps.jobs.reap({
        job: { runId: report.runId, attempt: report.attempt },
        claimedBy: (c) => c === report.executorId,
        reason: report.reason,
      });
    },
  };
}
