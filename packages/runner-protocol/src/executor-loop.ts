import type { ExecutorApi } from "./executor-api.ts";
import type { JobRef, LostJobReport, StopRequest } from "./executor-messages.ts";
import type { Launcher } from "./launcher.ts";
import { protocolVersion } from "./runner-messages.ts";

/** The few logger methods the loop uses (pino satisfies it). */
export type LoopLogger = {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
};

export type ExecutorLoopOptions = {
  readonly executorId: string;
  /** The agent pool served; absent for the server's built-in pool. */
  readonly pool?: string;
  readonly api: ExecutorApi;
  readonly launcher: Launcher;
  /** Runners at once. */
  readonly concurrency: number;
  /** Longest wait for events between two claims (a safety net for lost wake-ups). */
  readonly waitMs: number;
  /** After a failed call to the server, wait this long before trying again. */
  readonly retryMs?: number;
  readonly log: LoopLogger;
};

export type ExecutorLoop = {
  /**
   * Claims nothing more (a draining shutdown) but goes on delivering stops and reporting runners that
   * ended without a word, until `stop`.
   */
  stopClaiming(): void;
  /** Stops claiming and waiting. Running jobs are left to the launcher (`launcher.shutdown`). */
  stop(): Promise<void>;
};

const jobKey = (j: JobRef) => `${j.runId}:${j.phase}:${j.attempt}`;

/**
 * The executor's main loop, shared by every executor: claim while there is capacity, start each job
 * with the launcher, then wait for events (wake-up, stop requests, a runner that ended) and repeat.
 * A runner that ended without reporting is reported lost, so the server ends or retries its phase now
 * rather than when its heartbeat goes stale. Each stop escalation reaches the launcher once.
 */
export function startExecutorLoop(opts: ExecutorLoopOptions): ExecutorLoop {
  const abort = new AbortController();
  let claiming = true;
  let wakeWaiter = new AbortController();
  /** The strongest stop already sent per job: graceful, then force. */
  const stopsSent = new Map<string, "graceful" | "force">();

  const wakeUp = () => wakeWaiter.abort();

  function deliverStops(stops: readonly StopRequest[]) {
    const running = opts.launcher.running();
    for (const stop of stops) {
      for (const job of running.filter((j) => j.runId === stop.runId)) {
        const key = jobKey(job);
        const sent = stopsSent.get(key);
        if (sent === "force" || (sent === "graceful" && !stop.force)) continue;
        stopsSent.set(key, stop.force ? "force" : "graceful");
        opts.log.info({ runId: job.runId, phase: job.phase, force: stop.force }, "stopping a job");
        opts.launcher.stop(stop);
      }
    }
  }

  async function claimAndStart(): Promise<void> {
    while (claiming && !abort.signal.aborted && opts.launcher.running().length < opts.concurrency) {
      const job = await opts.api.claim({
        version: protocolVersion,
        executorId: opts.executorId,
        ...(opts.pool ? { pool: opts.pool } : {}),
      });
      if (!job) return;
      // Claimed even if claiming stopped meanwhile: the phase is this executor's now, so it runs.
      const launched = await opts.launcher.start(job);
      void launched.exited.then(async (exit) => {
        stopsSent.delete(jobKey(job));
        if (!exit.reported) await reportLost(opts, job, exit.reason);
        wakeUp();
      });
    }
  }

  async function run() {
    while (!abort.signal.aborted) {
      try {
        await claimAndStart();
        if (abort.signal.aborted) break;
        wakeWaiter = new AbortController();
        const events = await opts.api.events({
          executorId: opts.executorId,
          running: opts.launcher.running().map((j) => ({ ...j, stopping: stopsSent.get(jobKey(j)) })),
          waitMs: opts.waitMs,
          signal: AbortSignal.any([abort.signal, wakeWaiter.signal]),
        });
        deliverStops(events.stops);
      } catch (err) {
        if (abort.signal.aborted) break;
        opts.log.error({ err }, "executor could not reach the server; retrying");
        await sleep(opts.retryMs ?? 1000, abort.signal);
      }
    }
  }

  const loop = run();
  return {
    stopClaiming() {
      claiming = false;
      wakeUp();
    },
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

async function reportLost(opts: ExecutorLoopOptions, job: JobRef, reason: string): Promise<void> {
  const { runId, phase, attempt } = job;
  const report: LostJobReport = {
    version: protocolVersion,
    executorId: opts.executorId,
    runId,
    phase,
    attempt,
    reason,
  };
  await opts.api
    .reportLost(report)
    .catch((err: unknown) => opts.log.error({ err, runId }, "could not report a lost job"));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
