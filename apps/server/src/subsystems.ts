import type { Logger } from "./logger.ts";

/** A background loop: `tick` runs every `intervalMs` until stopped. */
export type Subsystem = {
  readonly name: string;
  readonly intervalMs: number;
  /** Runs on one replica at a time (under a site-wide lock); a replica that cannot take it skips the tick. */
  readonly exclusive: boolean;
  tick(): Promise<void>;
};

export type SubsystemDeps = {
  readonly log: Logger;
  /** Runs `fn` under the site-wide lock `key` unless another process holds it (`DbHandle.exclusive`). */
  readonly exclusive: (key: number, fn: () => Promise<void>) => Promise<boolean>;
};

/** Advisory lock keys of exclusive subsystems: a stable number per name. */
export function subsystemLockKey(name: string): number {
  let h = 0x5eed;
  for (const ch of `terrapod/subsystem/${name}`) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/** Runs each subsystem's tick every interval until stopped; a failing tick is logged, never fatal. */
export function startSubsystems(list: readonly Subsystem[], deps: SubsystemDeps) {
  const controller = new AbortController();
  const runTick = (s: Subsystem) =>
    s.exclusive ? deps.exclusive(subsystemLockKey(s.name), () => s.tick()) : s.tick();
  const loops = list.map(async (s) => {
    while (!controller.signal.aborted) {
      try {
        await runTick(s);
      } catch (err) {
        deps.log.error({ err, subsystem: s.name }, "subsystem tick failed");
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
