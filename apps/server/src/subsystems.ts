import type { Logger } from "./logger.ts";

/** A background loop with the shape `{ name, run(signal) }`; restarted with backoff if it throws. */
export type Subsystem = {
  readonly name: string;
  readonly intervalMs: number;
  tick(): Promise<void>;
};

/** Runs each subsystem's tick every interval until stopped; a failing tick is logged, never fatal. */
export function startSubsystems(list: readonly Subsystem[], log: Logger) {
  const controller = new AbortController();
  const loops = list.map(async (s) => {
    while (!controller.signal.aborted) {
      try {
        await s.tick();
      } catch (err) {
        log.error({ err, subsystem: s.name }, "subsystem tick failed");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, s.intervalMs);
        controller.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  });
  return {
    async stop() {
      controller.abort();
      await Promise.all(loops);
    },
  };
}
