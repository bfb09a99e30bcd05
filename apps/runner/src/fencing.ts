/**
 * Fencing: a runner whose server no longer counts on it stops its engine at once and exits without
 * reporting, so that no two engines ever work on one workspace. Two signs:
 * - the server refuses a heartbeat with 401, 403, 404 or 409: the token or the phase is no longer
 *   current (the run was reaped, deleted or moved on);
 * - the runner's parent process changed: the server that started it died (the runner was re-parented),
 *   and a restarted server will end the phase.
 * The engine's process group is killed through the cancellation (`runEngine` kills the group on a forced
 * cancel); an apply's state still gets one upload attempt in case the server answers.
 */
import { ServerResponseError } from "./http-client.ts";

/** Statuses by which the server says that this runner's phase is no longer current. */
const refusals = new Set([401, 403, 404, 409]);

/** True when a failed heartbeat means the server no longer considers the phase current. */
export function isHeartbeatRefusal(err: unknown): boolean {
  return err instanceof ServerResponseError && refusals.has(err.status);
}

/** True when the parent process is not the one the runner started with (its server is gone). */
export function parentGone(startPpid: number, currentPpid: number): boolean {
  return currentPpid !== startPpid;
}

export type ParentWatch = { stop(): void };

/**
 * Polls the parent pid every `intervalMs` and calls `onGone` once when it changed. A runner started
 * with no parent to watch (pid 1 of a pod or sandbox: ppid 0) watches nothing.
 */
export function watchParent(opts: {
  ppid: () => number;
  intervalMs: number;
  onGone: (startPpid: number, nowPpid: number) => void;
}): ParentWatch {
  const start = opts.ppid();
  if (start <= 0) return { stop() {} };
  const timer = setInterval(() => {
    const now = opts.ppid();
    if (!parentGone(start, now)) return;
    clearInterval(timer);
    opts.onGone(start, now);
  }, opts.intervalMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}

/** How long a fenced runner may take to kill its engine, try its last upload once and exit. */
export const fencedExitMs = 20_000;
