import type { HeartbeatReply } from "@terrapod/runner-protocol";
import type { Cancellation } from "./cancellation.ts";

/** stop() does not wait for a beat in flight: its reply is ignored. */
export type Heartbeats = { stop(): void };

/**
 * Beats now and then every `intervalMs` (never two at once) until stopped. A reply asking to cancel
 * escalates the cancellation; a failed beat is reported and the next one tried on schedule.
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
      }
      if (stopped) break;
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
