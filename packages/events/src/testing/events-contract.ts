import { describe, expect, test } from "bun:test";
import { ConflictError, InvalidError } from "@terrapod/kernel";
import type { Events, EventsErrorHandler } from "../events.ts";

/**
 * The behaviour every Events implementation must show, run against memory (unit) and Redis
 * (integration). Test-only: not exported from the package entry point.
 */
export type EventsFixture = { events: Events; cleanup?: () => Promise<void> };
export type MakeEvents = (opts: { onError: EventsErrorHandler }) => Promise<EventsFixture>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);

let counter = 0;
/** A stream/topic name no other test (or earlier run against the same Redis) uses. */
const unique = (kind: string) => `${kind}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Resolves after `ms`, to observe that something did not happen. */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `ms` elapse. */
async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

/** A deterministic pseudo-random generator, so failures reproduce. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

export function eventsContract(name: string, make: MakeEvents): void {
  type Ctx = { events: Events; errors: unknown[] };
  const withEvents = (fn: (ctx: Ctx) => Promise<void>) => async () => {
    const errors: unknown[] = [];
    const fixture = await make({ onError: (err) => errors.push(err) });
    try {
      await fn({ events: fixture.events, errors });
    } finally {
      await fixture.events.close();
      await fixture.cleanup?.();
    }
  };

  describe(`Events contract: ${name}`, () => {
    test(
      "ping succeeds",
      withEvents(async ({ events }) => {
        await events.ping();
      }),
    );

    describe("log streams", () => {
      test(
        "offsets stay stable across many appends of varying sizes",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          const random = prng(42);
          const reference: number[] = [];
          for (let i = 0; i < 300; i++) {
            const size = i % 17 === 0 ? 0 : Math.floor(random() ** 3 * 5000);
            const chunk = Uint8Array.from({ length: size }, () => Math.floor(random() * 256));
            const total = await events.logs.append(stream, chunk);
            reference.push(...chunk);
            expect(total).toBe(reference.length);
          }
          expect(await events.logs.length(stream)).toBe(reference.length);
          const all = Uint8Array.from(reference);
          for (let i = 0; i < 200; i++) {
            const offset = Math.floor(random() * (all.byteLength + 100));
            const limit = Math.floor(random() * 20_000);
            expect(await events.logs.read(stream, offset, limit)).toEqual(all.slice(offset, offset + limit));
          }
          expect(await events.logs.read(stream, 0, all.byteLength)).toEqual(all);
        }),
      );

      test(
        "reads span chunk boundaries and stop at the end",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          await events.logs.append(stream, bytes("abc"));
          await events.logs.append(stream, bytes("defg"));
          await events.logs.append(stream, bytes("h"));
          const read = async (offset: number, limit: number) =>
            decoder.decode(await events.logs.read(stream, offset, limit));
          expect(await read(0, 100)).toBe("abcdefgh");
          expect(await read(2, 4)).toBe("cdef");
          expect(await read(3, 4)).toBe("defg");
          expect(await read(1, 7)).toBe("bcdefgh");
          expect(await read(7, 1)).toBe("h");
          expect(await read(8, 10)).toBe("");
          expect(await read(1000, 10)).toBe("");
          expect(await read(0, 0)).toBe("");
        }),
      );

      test(
        "keeps binary data intact",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          const all = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
          await events.logs.append(stream, all.subarray(0, 300));
          await events.logs.append(stream, all.subarray(300));
          expect(await events.logs.read(stream, 0, 1000)).toEqual(all);
        }),
      );

      test(
        "unknown streams are empty, open and readable",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          expect(await events.logs.length(stream)).toBe(0);
          expect(await events.logs.isClosed(stream)).toBe(false);
          expect(await events.logs.read(stream, 0, 100)).toEqual(new Uint8Array(0));
          expect(await events.logs.append(stream, new Uint8Array(0))).toBe(0);
          expect(await events.logs.length(stream)).toBe(0);
        }),
      );

      test(
        "rejects bad names and arguments",
        withEvents(async ({ events }) => {
          await expect(events.logs.append("", bytes("x"))).rejects.toBeInstanceOf(InvalidError);
          await expect(events.logs.append("has space", bytes("x"))).rejects.toBeInstanceOf(InvalidError);
          await expect(events.logs.append("a{b}", bytes("x"))).rejects.toBeInstanceOf(InvalidError);
          await expect(events.logs.read("ok", -1, 10)).rejects.toBeInstanceOf(InvalidError);
          await expect(events.logs.read("ok", 0, 1.5)).rejects.toBeInstanceOf(InvalidError);
          await expect(events.logs.waitFor("ok", 0, -1)).rejects.toBeInstanceOf(InvalidError);
          await expect(events.logs.expire("ok", 0)).rejects.toBeInstanceOf(InvalidError);
          await expect(events.bus.publish("bad topic", {})).rejects.toBeInstanceOf(InvalidError);
        }),
      );

      test(
        "close: no more appends, reads still work, idempotent",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          await events.logs.append(stream, bytes("done"));
          await events.logs.close(stream);
          await events.logs.close(stream);
          expect(await events.logs.isClosed(stream)).toBe(true);
          await expect(events.logs.append(stream, bytes("more"))).rejects.toBeInstanceOf(ConflictError);
          await expect(events.logs.append(stream, new Uint8Array(0))).rejects.toBeInstanceOf(ConflictError);
          expect(decoder.decode(await events.logs.read(stream, 0, 100))).toBe("done");
          expect(await events.logs.length(stream)).toBe(4);
          const empty = unique("log");
          await events.logs.close(empty);
          expect(await events.logs.isClosed(empty)).toBe(true);
          expect(await events.logs.length(empty)).toBe(0);
        }),
      );

      test(
        "waitFor resolves at once when data or closure is already there",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          await events.logs.append(stream, bytes("12345"));
          const started = Date.now();
          await events.logs.waitFor(stream, 4, 5000);
          await events.logs.waitFor(stream, 0, 5000);
          await events.logs.close(stream);
          await events.logs.waitFor(stream, 5, 5000);
          await events.logs.waitFor(stream, 500, 5000);
          expect(Date.now() - started).toBeLessThan(1000);
        }),
      );

      test(
        "waitFor wakes on an append past the offset, and only then",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          await events.logs.append(stream, bytes("abc"));
          let woke = false;
          const waiting = events.logs.waitFor(stream, 5, 10_000).then(() => {
            woke = true;
          });
          await sleep(50);
          await events.logs.append(stream, bytes("de")); // length 5: not beyond offset 5
          await sleep(100);
          expect(woke).toBe(false);
          const appendedAt = Date.now();
          await events.logs.append(stream, bytes("f"));
          await waiting;
          expect(Date.now() - appendedAt).toBeLessThan(1000);
        }),
      );

      test(
        "waitFor wakes on close and on delete",
        withEvents(async ({ events }) => {
          const a = unique("log");
          const b = unique("log");
          await events.logs.append(b, bytes("x"));
          const started = Date.now();
          const waitingA = events.logs.waitFor(a, 0, 10_000);
          const waitingB = events.logs.waitFor(b, 1, 10_000);
          await sleep(50);
          await events.logs.close(a);
          await events.logs.delete(b);
          await Promise.all([waitingA, waitingB]);
          expect(Date.now() - started).toBeLessThan(2000);
        }),
      );

      test(
        "waitFor times out quietly",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          const started = Date.now();
          await events.logs.waitFor(stream, 0, 150);
          const waited = Date.now() - started;
          expect(waited).toBeGreaterThanOrEqual(140);
          expect(waited).toBeLessThan(2000);
          await events.logs.waitFor(stream, 0, 0);
        }),
      );

      test(
        "concurrent readers resume from their offsets and see every byte",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          const lines = Array.from({ length: 60 }, (_, i) => `line ${i} ${"=".repeat(i * 7)}\n`);
          const expected = lines.join("");
          const follow = async (chunkLimit: number) => {
            let offset = 0;
            let text = "";
            for (;;) {
              const chunk = await events.logs.read(stream, offset, chunkLimit);
              if (chunk.byteLength > 0) {
                offset += chunk.byteLength;
                text += decoder.decode(chunk, { stream: true });
                continue;
              }
              if (await events.logs.isClosed(stream)) {
                // Drain anything appended between the last read and the close.
                const rest = await events.logs.read(stream, offset, 1_000_000);
                return text + decoder.decode(rest);
              }
              await events.logs.waitFor(stream, offset, 2000);
            }
          };
          const readers = [follow(1), follow(17), follow(4096)];
          for (const line of lines) {
            await events.logs.append(stream, bytes(line));
            if (line.length % 3 === 0) await sleep(2);
          }
          await events.logs.close(stream);
          const results = await Promise.all(readers);
          for (const text of results) expect(text).toBe(expected);
        }),
        20_000,
      );

      test(
        "concurrent appends never overlap",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          const totals = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              events.logs.append(stream, bytes(String.fromCharCode(65 + (i % 26)).repeat(10))),
            ),
          );
          expect(new Set(totals).size).toBe(50);
          expect(Math.max(...totals)).toBe(500);
          const all = decoder.decode(await events.logs.read(stream, 0, 1000));
          expect(all).toMatch(/^(?:([A-Z])\1{9}){50}$/);
        }),
      );

      test(
        "delete removes the stream",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          await events.logs.append(stream, bytes("gone soon"));
          await events.logs.close(stream);
          await events.logs.delete(stream);
          expect(await events.logs.length(stream)).toBe(0);
          expect(await events.logs.isClosed(stream)).toBe(false);
          expect(await events.logs.read(stream, 0, 10)).toEqual(new Uint8Array(0));
          await events.logs.delete(stream);
          expect(await events.logs.append(stream, bytes("again"))).toBe(5);
        }),
      );

      test(
        "expire removes a stream after the given time",
        withEvents(async ({ events }) => {
          const stream = unique("log");
          const kept = unique("log");
          await events.logs.append(stream, bytes("short-lived"));
          await events.logs.append(kept, bytes("kept"));
          await events.logs.close(stream);
          await events.logs.expire(stream, 0.2);
          expect(await events.logs.length(stream)).toBe(11);
          await sleep(450);
          expect(await events.logs.length(stream)).toBe(0);
          expect(await events.logs.isClosed(stream)).toBe(false);
          expect(await events.logs.length(kept)).toBe(4);
          await events.logs.expire(unique("log"), 10); // a missing stream is fine
        }),
      );
    });

    describe("bus", () => {
      test(
        "delivers to every subscriber in publish order, each with its own copy",
        withEvents(async ({ events }) => {
          const topic = unique("topic");
          const a: unknown[] = [];
          const b: unknown[] = [];
          await events.bus.subscribe(topic, (p) => a.push(p));
          await events.bus.subscribe(topic, (p) => {
            b.push(p);
            if (typeof p === "object" && p !== null) Object.assign(p, { mutated: true });
          });
          await events.bus.publish(topic, { n: 1, nested: { ok: true } });
          await events.bus.publish(topic, { n: 2 });
          await events.bus.publish(topic, "three");
          await eventually(() => a.length === 3 && b.length === 3);
          expect(a).toEqual([{ n: 1, nested: { ok: true } }, { n: 2 }, "three"]);
          expect(b.map((p) => (typeof p === "object" && p !== null && "n" in p ? p.n : p))).toEqual([
            1,
            2,
            "three",
          ]);
        }),
      );

      test(
        "unsubscribe stops delivery to that subscriber only",
        withEvents(async ({ events }) => {
          const topic = unique("topic");
          const a: unknown[] = [];
          const b: unknown[] = [];
          const stopA = await events.bus.subscribe(topic, (p) => a.push(p));
          const stopB = await events.bus.subscribe(topic, (p) => b.push(p));
          await events.bus.publish(topic, 1);
          await eventually(() => a.length === 1 && b.length === 1);
          await stopA();
          await stopA();
          await events.bus.publish(topic, 2);
          await eventually(() => b.length === 2);
          await sleep(50);
          expect(a).toEqual([1]);
          await stopB();
          await events.bus.publish(topic, 3);
          await sleep(50);
          expect(b).toEqual([1, 2]);
        }),
      );

      test(
        "topics are isolated and publishing without subscribers is fine",
        withEvents(async ({ events }) => {
          const one = unique("topic");
          const two = unique("topic");
          const got: unknown[] = [];
          await events.bus.subscribe(one, (p) => got.push(p));
          await events.bus.publish(two, "not for one");
          await events.bus.publish(unique("topic"), "nobody listens");
          await events.bus.publish(one, "for one");
          await eventually(() => got.length === 1);
          await sleep(50);
          expect(got).toEqual(["for one"]);
        }),
      );

      test(
        "a throwing or rejecting handler is reported and does not disturb others",
        withEvents(async ({ events, errors }) => {
          const topic = unique("topic");
          const got: unknown[] = [];
          await events.bus.subscribe(topic, () => {
            throw new Error("handler bug");
          });
          await events.bus.subscribe(topic, async () => {
            throw new Error("async handler bug");
          });
          await events.bus.subscribe(topic, (p) => got.push(p));
          await events.bus.publish(topic, "still delivered");
          await events.bus.publish(topic, "and again");
          await eventually(() => got.length === 2 && errors.length === 4);
          expect(errors.map((e) => (e instanceof Error ? e.message : String(e))).sort()).toEqual([
            "async handler bug",
            "async handler bug",
            "handler bug",
            "handler bug",
          ]);
        }),
      );

      test(
        "refuses payloads JSON cannot carry",
        withEvents(async ({ events }) => {
          const cyclic: { self?: unknown } = {};
          cyclic.self = cyclic;
          await expect(events.bus.publish("t", 10n)).rejects.toBeInstanceOf(InvalidError);
          await expect(events.bus.publish("t", cyclic)).rejects.toBeInstanceOf(InvalidError);
          await expect(events.bus.publish("t", undefined)).rejects.toBeInstanceOf(InvalidError);
        }),
      );
    });
  });
}
