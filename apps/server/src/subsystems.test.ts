import { describe, expect, test } from "bun:test";
import { createLogger } from "./logger.ts";
import { startSubsystems, subsystemLockKey } from "./subsystems.ts";

const log = createLogger({ level: "silent" });

describe("subsystems", () => {
  test("an exclusive subsystem ticks only when it gets the site lock; others always tick", async () => {
    const ticks: string[] = [];
    const asked: number[] = [];
    let lockFree = false;
    const loops = startSubsystems(
      [
        { name: "sweeper", intervalMs: 5, exclusive: true, tick: async () => void ticks.push("sweeper") },
        { name: "local", intervalMs: 5, exclusive: false, tick: async () => void ticks.push("local") },
      ],
      {
        log,
        exclusive: async (key, fn) => {
          asked.push(key);
          if (!lockFree) return false;
          await fn();
          return true;
        },
      },
    );
    await Bun.sleep(30);
    expect(ticks).not.toContain("sweeper");
    expect(ticks).toContain("local");
    lockFree = true;
    await Bun.sleep(30);
    await loops.stop();
    expect(ticks).toContain("sweeper");
    expect(new Set(asked)).toEqual(new Set([subsystemLockKey("sweeper")]));
  });

  test("a failing tick is logged and the loop goes on", async () => {
    let n = 0;
    const loops = startSubsystems(
      [
        {
          name: "flaky",
          intervalMs: 1,
          exclusive: false,
          tick: async () => {
            n += 1;
            throw new Error("boom");
          },
        },
      ],
      { log, exclusive: async () => false },
    );
    await Bun.sleep(30);
    await loops.stop();
    expect(n).toBeGreaterThan(1);
  });

  test("lock keys are stable per name and differ between names", () => {
    expect(subsystemLockKey("run-sweeper")).toBe(subsystemLockKey("run-sweeper"));
    expect(subsystemLockKey("run-sweeper")).not.toBe(subsystemLockKey("other"));
    expect(Number.isSafeInteger(subsystemLockKey("run-sweeper"))).toBe(true);
  });
});
