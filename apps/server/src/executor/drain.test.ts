import { describe, expect, test } from "bun:test";
import type { ExecutorLoop, JobRef, Launcher } from "@terrapod/runner-protocol";
import { createLogger } from "../logger.ts";
import { drainExecutor, shutdownReason } from "./drain.ts";

const log = createLogger({ level: "silent" });

/** Jobs that end by themselves after `endsAfterMs` (or when shut down), and what the drain did. */
function fixture(endsAfterMs: Record<string, number>) {
  const started = Date.now();
  const events: string[] = [];
  const shutdownAt: { at: number; graceMs: number }[] = [];
  let interrupted = false;
  const jobs = Object.keys(endsAfterMs).map((runId): JobRef => ({ runId, phase: "apply", attempt: 1 }));
  const launcher: Launcher = {
    async start() {
      throw new Error("unused");
    },
    stop() {},
    running: () =>
      interrupted ? [] : jobs.filter((j) => Date.now() - started < (endsAfterMs[j.runId] ?? 0)),
    async shutdown(graceMs) {
      shutdownAt.push({ at: Date.now() - started, graceMs });
      events.push("shutdown");
      interrupted = true;
    },
  };
  const loop: ExecutorLoop = {
    stopClaiming: () => events.push("stopClaiming"),
    stop: async () => {
      events.push("loop.stop");
    },
  };
  const marked: string[] = [];
  const reaps: (string | undefined)[] = [];
  const service = {
    markShutdownInterrupt: async (left: readonly JobRef[]) => {
      events.push("mark");
      marked.push(...left.map((j) => j.runId));
    },
    reap: async (filter: { claimedBy?: (c: string | null) => boolean; reason?: string }) => {
      events.push("reap");
      reaps.push(filter.reason);
      expect(filter.claimedBy?.("local:me")).toBe(true);
      expect(filter.claimedBy?.("local:other")).toBe(false);
      return 0;
    },
  };
  return { launcher, loop, service, events, shutdownAt, marked, reaps };
}

describe("a draining shutdown of the embedded executor", () => {
  test("phases that finish within the grace are not interrupted", async () => {
    const f = fixture({ a: 100, b: 300 });
    const t0 = Date.now();
    await drainExecutor(
      { executorId: "local:me", loop: f.loop, launcher: f.launcher, jobs: f.service, log },
      4000,
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(f.events).toEqual(["stopClaiming", "loop.stop", "reap"]);
    expect(f.reaps).toEqual([shutdownReason]);
  });

  test("what still runs when the last part of the grace begins is marked, then interrupted within the rest", async () => {
    const f = fixture({ quick: 100, slow: 60_000 });
    const t0 = Date.now();
    await drainExecutor(
      { executorId: "local:me", loop: f.loop, launcher: f.launcher, jobs: f.service, log },
      2000,
    );
    expect(f.events).toEqual(["stopClaiming", "mark", "shutdown", "loop.stop", "reap"]);
    expect(f.marked).toEqual(["slow"]);
    // Half of a short grace is for the interrupted phases; all of it fits the grace.
    const shutdown = f.shutdownAt[0];
    expect(shutdown?.at).toBeGreaterThanOrEqual(950);
    expect((shutdown?.at ?? 0) + (shutdown?.graceMs ?? 0)).toBeLessThanOrEqual(2100);
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});
