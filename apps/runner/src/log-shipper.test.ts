import { describe, expect, test } from "bun:test";
import { ServerResponseError } from "./http-client.ts";
import { createLogShipper } from "./log-shipper.ts";

const encoder = new TextEncoder();
const fastRetry = { attempts: Number.POSITIVE_INFINITY, baseMs: 1, maxMs: 2 };

type Post = { offset: number; text: string };

function recorder(fail: (post: Post, attempt: number) => Error | undefined = () => undefined) {
  const posts: Post[] = [];
  const attempts = new Map<number, number>();
  const send = async (offset: number, chunk: Uint8Array) => {
    const post = { offset, text: new TextDecoder().decode(chunk) };
    const n = (attempts.get(offset) ?? 0) + 1;
    attempts.set(offset, n);
    const err = fail(post, n);
    if (err) throw err;
    posts.push(post);
  };
  return { posts, attempts, send };
}

const isRetryable = (err: unknown) => !(err instanceof ServerResponseError) || err.retryable;

describe("createLogShipper", () => {
  test("sends after the flush interval, with offsets", async () => {
    const r = recorder();
    const shipper = createLogShipper({ send: r.send, isRetryable, flushIntervalMs: 30, retry: fastRetry });
    shipper.append(encoder.encode("hello "));
    shipper.append(encoder.encode("world\n"));
    expect(r.posts).toEqual([]);
    await Bun.sleep(80);
    expect(r.posts).toEqual([{ offset: 0, text: "hello world\n" }]);
    shipper.append(encoder.encode("more"));
    await shipper.close(Date.now() + 1000);
    expect(r.posts).toEqual([
      { offset: 0, text: "hello world\n" },
      { offset: 12, text: "more" },
    ]);
    expect(shipper.length).toBe(16);
  });

  test("sends a full chunk at once (and what follows it), never larger than the maximum", async () => {
    const r = recorder();
    const shipper = createLogShipper({
      send: r.send,
      isRetryable,
      flushIntervalMs: 10_000,
      maxChunkBytes: 10,
    });
    shipper.append(encoder.encode("0123"));
    await Bun.sleep(20);
    expect(r.posts).toEqual([]);
    shipper.append(encoder.encode("456789abcdefghij"));
    shipper.append(encoder.encode("XYZ"));
    await Bun.sleep(20);
    await shipper.close(Date.now() + 1000);
    expect(r.posts).toEqual([
      { offset: 0, text: "0123456789" },
      { offset: 10, text: "abcdefghij" },
      { offset: 20, text: "XYZ" },
    ]);
  });

  test("retries a failed chunk at the same offset, keeping order", async () => {
    const r = recorder((post, attempt) =>
      post.offset === 0 && attempt < 3 ? new Error("network down") : undefined,
    );
    const shipper = createLogShipper({ send: r.send, isRetryable, flushIntervalMs: 5, retry: fastRetry });
    shipper.append(encoder.encode("first\n"));
    await Bun.sleep(15);
    shipper.append(encoder.encode("second\n"));
    await shipper.close(Date.now() + 2000);
    expect(r.attempts.get(0)).toBe(3);
    expect(r.posts.map((p) => p.text).join("")).toBe("first\nsecond\n");
    expect(r.posts[0]?.offset).toBe(0);
  });

  test("stops for good on a refusal, and gives up at the close deadline", async () => {
    const refused = recorder(() => new ServerResponseError("sending logs", 409, "run is over"));
    const errors: string[] = [];
    const shipper = createLogShipper({
      send: refused.send,
      isRetryable,
      flushIntervalMs: 1,
      onError: (_e, what) => errors.push(what),
    });
    shipper.append(encoder.encode("x"));
    await shipper.close(Date.now() + 1000);
    shipper.append(encoder.encode("ignored"));
    expect(refused.attempts.get(0)).toBe(1);
    expect(errors).toEqual(["log shipping stopped at byte 0"]);

    const down = recorder(() => new Error("unreachable"));
    const stuck = createLogShipper({
      send: down.send,
      isRetryable,
      flushIntervalMs: 1,
      retry: { ...fastRetry, baseMs: 20, maxMs: 20 },
    });
    stuck.append(encoder.encode("y"));
    const started = Date.now();
    await stuck.close(Date.now() + 150);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("drops output beyond the buffer limit instead of growing without bound", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: number[] = [];
    const shipper = createLogShipper({
      send: async (_o, chunk) => {
        await gate;
        sent.push(chunk.byteLength);
      },
      isRetryable,
      flushIntervalMs: 1,
      maxChunkBytes: 4,
      maxBufferedBytes: 10,
    });
    for (let i = 0; i < 10; i++) shipper.append(encoder.encode("abcd"));
    release();
    await shipper.close(Date.now() + 1000);
    expect(sent.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(14);
  });
});
