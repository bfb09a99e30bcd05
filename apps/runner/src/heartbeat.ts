import type { HeartbeatReply } from "@terrapod/runner-protocol";
import type { Cancellation } from "./cancellation.ts";
import { isHeartbeatRefusal } from "./fencing.ts";

/** stop() does not wait for a beat in flight: its reply is ignored. */
export type Heartbeats = { stop(): void };

/**
 * Beats now and then every `intervalMs` (never two at once) until stopped. A reply asking to cancel
 * escalates the cancellation; a failed beat is reported and the next one tried on schedule. A beat the
 * server refuses (the phase is no longer current: fencing.ts) fences the runner and ends the beats.
 */
export function startHeartbeats(opts: {
  beat: () => Promise<HeartbeatReply>;
  intervalMs: number;
  cancellation: Cancellation;
  onError: (err: unknown) => void;
}): Heartbeats {
  let stopped = false;
  let wake: (() => void) | undefined;
  void (async () => {
    while (!stopped) {
      try {
        const reply = await opts.beat();
        if (reply.force) opts.cancellation.request("force");
        else if (reply.cancel) opts.cancellation.request("graceful");
      } catch (err) {
        if (!stopped) opts.onError(err);
        if (!stopped && isHeartbeatRefusal(err)) {
          opts.cancellation.fence(
            `the server refused the heartbeat: ${err instanceof Error ? err.message : err}`,
          );
        }
      }
      if (stopped || opts.cancellation.fenced) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return {
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
