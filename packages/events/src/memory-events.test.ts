import { describe, expect, test } from "bun:test";
import { UnavailableError } from "@terrapod/kernel";
import { createMemoryEvents } from "./memory-events.ts";
import { eventsContract } from "./testing/events-contract.ts";

eventsContract("memory", async ({ onError }) => ({ events: createMemoryEvents({ onError }) }));

describe("memory events specifics", () => {
  test("close wakes pending waiters and refuses further use", async () => {
    const events = createMemoryEvents();
    const started = Date.now();
    const waiting = events.logs.waitFor("run-1", 0, 10_000);
    await events.close();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(events.logs.append("run-1", new Uint8Array(1))).rejects.toBeInstanceOf(UnavailableError);
    await expect(events.ping()).rejects.toBeInstanceOf(UnavailableError);
    await events.close();
  });

  test("reads stay correct across many small appends that share chunks", async () => {
    const events = createMemoryEvents();
    const line = new TextEncoder().encode("0123456789abcdef\n");
    for (let i = 0; i < 10_000; i++) await events.logs.append("big", line);
    expect(await events.logs.length("big")).toBe(170_000);
    const at = 65_530;
    expect(new TextDecoder().decode(await events.logs.read("big", at, 17))).toBe(
      "0123456789abcdef\n".repeat(3).slice(at % 17, (at % 17) + 17),
    );
    await events.close();
  });

  test("a large append larger than a chunk is kept whole", async () => {
    const events = createMemoryEvents();
    const big = Uint8Array.from({ length: 200_000 }, (_, i) => i % 251);
    await events.logs.append("s", new Uint8Array([1, 2, 3]));
    await events.logs.append("s", big);
    await events.logs.append("s", new Uint8Array([4]));
    expect(await events.logs.read("s", 3, 200_000)).toEqual(big);
    expect(await events.logs.read("s", 200_002, 10)).toEqual(new Uint8Array([big[199_999] ?? -1, 4]));
    await events.close();
  });
});
