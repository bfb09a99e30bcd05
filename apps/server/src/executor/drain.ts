import type { JobService } from "@terrapod/core";
import type { ExecutorLoop, Launcher } from "@terrapod/runner-protocol";
import type { Logger } from "../logger.ts";

export type DrainDeps = {
  readonly executorId: string;
  readonly loop: ExecutorLoop | undefined;
  readonly launcher: Launcher | undefined;
  readonly jobs: Pick<JobService, "markShutdownInterrupt" | "reap">;
  readonly log: Logger;
};

/** At most this much of the grace is kept for interrupted phases to save their state and report. */
const interruptReserveMs = 10_000;

/** Why phases whose runner ended without a word during a shutdown were ended. */
export const shutdownReason = "the server shut down before its runner reported";

/**
 * A draining shutdown of the embedded executor within `graceMs`: it claims nothing more at once, lets
 * running phases finish, and only when the last part of the grace begins (half of it, at most 10 s)
 * interrupts what still runs (a graceful signal: an apply saves its state, the runner reports), then
 * kills what is left (`launcher.shutdown`). Interrupted phases are marked first, so their `canceled`
 * report is read as a shutdown: a plan goes back to the queue, an apply errors saying so. Phases whose
 * runner never reported are then ended the same way.
 */
export async function drainExecutor(deps: DrainDeps, graceMs: number): Promise<void> {
  const { launcher, log } = deps;
  const started = Date.now();
  const deadline = started + graceMs;
  deps.loop?.stopClaiming();
  const running = () => launcher?.running() ?? [];
  const interruptAt = deadline - Math.min(interruptReserveMs, graceMs / 2);
  if (running().length > 0) log.info({ running: running().length, graceMs }, "waiting for running phases");
  while (running().length > 0 && Date.now() < interruptAt) await Bun.sleep(100);
  const left = running();
  if (left.length > 0 && launcher) {
    log.warn({ runs: left.map((j) => j.runId) }, "interrupting phases still running at shutdown");
    await deps.jobs
      .markShutdownInterrupt(left)
      .catch((err: unknown) => log.error({ err }, "could not mark the phases interrupted by the shutdown"));
    await launcher.shutdown(Math.max(0, deadline - Date.now()));
  }
  await deps.loop?.stop();
  const ended = await deps.jobs
    .reap({ claimedBy: (c) => c === deps.executorId, reason: shutdownReason })
    .catch((err: unknown) => {
      log.error({ err }, "could not end the phases left by the shutdown");
      return 0;
    });
  log.info({ ms: Date.now() - started, interrupted: left.length, ended }, "executor drained");
}
