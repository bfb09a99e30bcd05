import { describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { UnavailableError } from "@terrapod/kernel";
import { Redis } from "ioredis";
import type { Events, EventsErrorHandler } from "./events.ts";
import { createRedisEvents } from "./redis-events.ts";
import { eventsContract } from "./testing/events-contract.ts";
import { redisTestUrl } from "./testing/testing-env.ts";

/** Deletes every key under `prefix` (each test run uses its own). */
async function dropPrefix(url: string, prefix: string): Promise<void> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    admin.disconnect();
  }
}

async function connected(keyPrefix: string, onError?: EventsErrorHandler): Promise<Events> {
  const events = createRedisEvents({ url: redisTestUrl(), keyPrefix, onError });
  // Fails the test (rather than skipping it) when Redis is not reachable.
  await events.ping();
  return events;
}

eventsContract("redis", async ({ onError }) => {
  const prefix = `terrapod-test:${randomUUID()}:`;
  return { events: await connected(prefix, onError), cleanup: () => dropPrefix(redisTestUrl(), prefix) };
});

describe("redis events specifics", () => {
  test("stream entry IDs are the chunks' starting byte offsets", async () => {
    const prefix = `terrapod-test:${randomUUID()}:`;
    const events = await connected(prefix);
    const admin = new Redis(redisTestUrl(), { lazyConnect: true });
    try {
      await events.logs.append("run-1/plan", new TextEncoder().encode("abc"));
      await events.logs.append("run-1/plan", new TextEncoder().encode("defg"));
      await events.logs.append("run-1/plan", new TextEncoder().encode("h"));
      const entries = await admin.xrange(`${prefix}log:{run-1/plan}:data`, "-", "+");
      expect(entries.map(([id]) => id)).toEqual(["0-1", "3-1", "7-1"]);
      expect(await admin.hget(`${prefix}log:{run-1/plan}:meta`, "len")).toBe("8");
    } finally {
      admin.disconnect();
      await events.close();
      await dropPrefix(redisTestUrl(), prefix);
    }
  });

  test("two instances (replicas) share logs, wake each other's waiters and pub/sub", async () => {
    const prefix = `terrapod-test:${randomUUID()}:`;
    const a = await connected(prefix);
    const b = await connected(prefix);
    try {
      const got: unknown[] = [];
      await b.bus.subscribe("run.updated", (p) => got.push(p));
      const waiting = b.logs.waitFor("run-2/apply", 0, 10_000);
      await Bun.sleep(50);
      await a.logs.append("run-2/apply", new TextEncoder().encode("hello from a"));
      await waiting;
      expect(new TextDecoder().decode(await b.logs.read("run-2/apply", 6, 100))).toBe("from a");
      await a.bus.publish("run.updated", { id: "run-2" });
      for (let i = 0; i < 100 && got.length === 0; i++) await Bun.sleep(10);
      expect(got).toEqual([{ id: "run-2" }]);
    } finally {
      await a.close();
      await b.close();
      await dropPrefix(redisTestUrl(), prefix);
    }
  });

  test("reads near the end of a long log stay fast (no scan from the start)", async () => {
    const prefix = `terrapod-test:${randomUUID()}:`;
    const events = await connected(prefix);
    try {
      const line = new TextEncoder().encode(`${"x".repeat(99)}\n`);
      const batch: Promise<number>[] = [];
      for (let i = 0; i < 20_000; i++) batch.push(events.logs.append("long", line));
      await Promise.all(batch);
      expect(await events.logs.length("long")).toBe(2_000_000);
      const started = performance.now();
      for (let i = 0; i < 200; i++) {
        const offset = 1_999_000 - i * 100 + 37;
        const got = await events.logs.read("long", offset, 150);
        expect(got.byteLength).toBe(150);
      }
      // 200 round trips; a scan from the start would touch 20k entries each time.
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await events.close();
      await dropPrefix(redisTestUrl(), prefix);
    }
  }, 60_000);

  test("an unreachable Redis is UnavailableError, quickly", async () => {
    const errors: unknown[] = [];
    const events = createRedisEvents({
      url: "redis://127.0.0.1:1",
      keyPrefix: "nowhere:",
      onError: (err) => errors.push(err),
      connectTimeoutMs: 500,
    });
    try {
      const started = Date.now();
      await expect(events.ping()).rejects.toBeInstanceOf(UnavailableError);
      await expect(events.logs.append("s", new Uint8Array([1]))).rejects.toBeInstanceOf(UnavailableError);
      await expect(events.bus.subscribe("t", () => {})).rejects.toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await events.close();
    }
  });

  test("close wakes pending waiters and quits both connections", async () => {
    const prefix = `terrapod-test:${randomUUID()}:`;
    const events = await connected(prefix);
    const started = Date.now();
    const waiting = events.logs.waitFor("idle", 0, 10_000);
    await Bun.sleep(50);
    await events.close();
    await waiting;
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(events.ping()).rejects.toBeInstanceOf(UnavailableError);
  });
});
