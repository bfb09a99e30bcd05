import { describe, expect, test } from "bun:test";
import { backoffMs, withRetry } from "./retry.ts";

const policy = { attempts: 4, baseMs: 100, maxMs: 1000 };

describe("backoffMs", () => {
  test.each([
    [0, 0, 50],
    [0, 1, 100],
    [1, 0, 100],
    [3, 1, 800],
    [4, 1, 1000],
    [10, 0.5, 750],
  ])("retry %d with random %d waits %d ms", (retry, random, expected) => {
    expect(backoffMs(retry, policy, () => random)).toBe(expected);
  });
});

describe("withRetry", () => {
  const fast = { sleep: async () => undefined, random: () => 1 };

  test("retries retryable failures until success", async () => {
    let calls = 0;
    const delays: number[] = [];
    const value = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error("flaky");
        return "ok";
      },
      { policy, isRetryable: () => true, onRetry: (_e, _r, d) => delays.push(d), ...fast },
    );
    expect(value).toBe("ok");
    expect(calls).toBe(3);
    expect(delays).toEqual([100, 200]);
  });

  test("gives up after the attempts, on a final failure, or past the deadline", async () => {
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new Error(`fail ${calls}`);
    };
    await expect(withRetry(failing, { policy, isRetryable: () => true, ...fast })).rejects.toThrow("fail 4");
    calls = 0;
    await expect(withRetry(failing, { policy, isRetryable: () => false, ...fast })).rejects.toThrow("fail 1");
    calls = 0;
    let now = 0;
    await expect(
      withRetry(failing, {
        policy: { ...policy, attempts: Number.POSITIVE_INFINITY },
        isRetryable: () => true,
        deadline: () => 250,
        now: () => now,
        sleep: async (ms) => {
          now += ms;
        },
        random: () => 1,
      }),
    ).rejects.toThrow("fail 2");
  });
});
