import { describe, expect, test } from "bun:test";
import { InvalidError, TooLargeError } from "@terrapod/kernel";
import type { BlobStore } from "../blob-store.ts";
import { readAll } from "../body.ts";

/**
 * The behaviour every BlobStore must show, run against each implementation (memory, fs, S3, and the
 * encrypting wrapper around them). Test-only: not exported from the package entry point.
 */
export type BlobStoreFixture = { store: BlobStore; cleanup?: () => Promise<void> };

export type BlobStoreContractOptions = {
  /** Whether `head` reports the content type given to `put`. */
  readonly keepsContentType: boolean;
  /** Whether the store streams without holding whole objects (false for the memory store). */
  readonly boundedMemory: boolean;
  /** Size of the large-object round trip (default 50 MiB). */
  readonly largeObjectBytes?: number;
  /** Per-test timeout for the large-object test. */
  readonly largeObjectTimeoutMs?: number;
};

const mib = 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function blobStoreContract(
  name: string,
  make: () => Promise<BlobStoreFixture>,
  options: BlobStoreContractOptions,
): void {
  const withStore = (fn: (store: BlobStore) => Promise<void>) => async () => {
    const fixture = await make();
    try {
      await fn(fixture.store);
    } finally {
      await fixture.cleanup?.();
    }
  };

  describe(`BlobStore contract: ${name}`, () => {
    test(
      "ping succeeds against a working backend",
      withStore(async (store) => {
        await store.ping();
      }),
    );

    test(
      "puts and gets strings, bytes and streams",
      withStore(async (store) => {
        expect(await store.put("a/string.txt", "héllo")).toMatchObject({ size: 6 });
        expect(await text(store, "a/string.txt")).toBe("héllo");

        const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
        expect((await store.put("a/bytes.bin", bytes)).size).toBe(256);
        expect(await bytesOf(store, "a/bytes.bin")).toEqual(bytes);

        const meta = await store.put("a/stream.txt", streamOf(["one ", "two ", "three"]));
        expect(meta.size).toBe(13);
        expect(await text(store, "a/stream.txt")).toBe("one two three");
        expect((await store.head("a/stream.txt"))?.size).toBe(13);
      }),
    );

    test(
      "stores empty objects",
      withStore(async (store) => {
        expect((await store.put("empty", new Uint8Array(0))).size).toBe(0);
        expect(await store.head("empty")).toMatchObject({ size: 0 });
        expect(await bytesOf(store, "empty")).toEqual(new Uint8Array(0));
        expect(await store.getRange("empty", 0, 10)).toEqual(new Uint8Array(0));
      }),
    );

    test(
      "reports content types when the store keeps them",
      withStore(async (store) => {
        const meta = await store.put("typed.json", "{}", { contentType: "application/json" });
        expect(meta).toEqual({ size: 2, contentType: "application/json" });
        const head = await store.head("typed.json");
        expect(head?.size).toBe(2);
        if (options.keepsContentType) expect(head?.contentType).toBe("application/json");
      }),
    );

    test(
      "missing keys are undefined, and deleting them is fine",
      withStore(async (store) => {
        expect(await store.get("nope/missing")).toBeUndefined();
        expect(await store.head("nope/missing")).toBeUndefined();
        expect(await store.getRange("nope/missing", 0, 1)).toBeUndefined();
        await store.delete("nope/missing");
      }),
    );

    test(
      "overwrites replace the whole object",
      withStore(async (store) => {
        await store.put("k", "a much longer first version");
        await store.put("k", "short");
        expect(await text(store, "k")).toBe("short");
        expect((await store.head("k"))?.size).toBe(5);
      }),
    );

    test(
      "delete removes the object from get, head and list",
      withStore(async (store) => {
        await store.put("d/one", "1");
        await store.put("d/two", "2");
        await store.delete("d/one");
        expect(await store.get("d/one")).toBeUndefined();
        expect(await store.head("d/one")).toBeUndefined();
        expect(await collect(store.list("d/"))).toEqual(["d/two"]);
        await store.delete("d/two");
        expect(await collect(store.list("d/"))).toEqual([]);
      }),
    );

    test(
      "getRange returns the bytes in range, fewer at the end, none past it",
      withStore(async (store) => {
        const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31) % 251);
        await store.put("r/blob", bytes);
        expect(await store.getRange("r/blob", 0, 10)).toEqual(bytes.slice(0, 10));
        // Spans internal chunk / record boundaries (64 KiB).
        expect(await store.getRange("r/blob", 65_530, 70_000)).toEqual(bytes.slice(65_530, 135_530));
        expect(await store.getRange("r/blob", 199_990, 100)).toEqual(bytes.slice(199_990));
        expect(await store.getRange("r/blob", 200_000, 10)).toEqual(new Uint8Array(0));
        expect(await store.getRange("r/blob", 500_000, 10)).toEqual(new Uint8Array(0));
        expect(await store.getRange("r/blob", 5, 0)).toEqual(new Uint8Array(0));
        expect(await store.getRange("r/blob", 0, 200_000)).toEqual(bytes);
        await expect(store.getRange("r/blob", -1, 5)).rejects.toBeInstanceOf(InvalidError);
        await expect(store.getRange("r/blob", 0, -5)).rejects.toBeInstanceOf(InvalidError);
        await expect(store.getRange("r/blob", 0.5, 5)).rejects.toBeInstanceOf(InvalidError);
      }),
    );

    test(
      "list returns keys under a prefix in byte order",
      withStore(async (store) => {
        const keys = [
          "state/ws-b/sv-2",
          "state/ws-a/sv-1",
          "state/ws-a/sv-2",
          "state/ws-a-b/x",
          "state/ws-a0",
          "other/x",
          "statefile",
        ];
        for (const key of keys) await store.put(key, key);
        expect(await collect(store.list("state/"))).toEqual([
          "state/ws-a-b/x",
          "state/ws-a/sv-1",
          "state/ws-a/sv-2",
          "state/ws-a0",
          "state/ws-b/sv-2",
        ]);
        expect(await collect(store.list("state/ws-a"))).toEqual([
          "state/ws-a-b/x",
          "state/ws-a/sv-1",
          "state/ws-a/sv-2",
          "state/ws-a0",
        ]);
        expect(await collect(store.list("state/ws-a/"))).toEqual(["state/ws-a/sv-1", "state/ws-a/sv-2"]);
        expect(await collect(store.list("state"))).toEqual(
          [...keys.filter((k) => k.startsWith("state"))].sort(),
        );
        expect(await collect(store.list(""))).toEqual([...keys].sort());
        expect(await collect(store.list("absent/"))).toEqual([]);
      }),
    );

    test(
      "rejects keys that are empty, absolute, traversing or contain backslashes or NUL",
      withStore(async (store) => {
        const bad = [
          "",
          "/abs",
          "../x",
          "a/../b",
          "a/..",
          "./a",
          "a/./b",
          "a\\b",
          "a\0b",
          "a//b",
          "a/",
          "..",
          "x".repeat(1025),
        ];
        for (const key of bad) {
          await expect(store.put(key, "x")).rejects.toBeInstanceOf(InvalidError);
          await expect(store.get(key)).rejects.toBeInstanceOf(InvalidError);
          await expect(store.head(key)).rejects.toBeInstanceOf(InvalidError);
          await expect(store.getRange(key, 0, 1)).rejects.toBeInstanceOf(InvalidError);
          await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidError);
        }
        for (const prefix of ["/abs", "../", "a/../", "a\\", "a\0", "..", "a//"]) {
          await expect(collect(store.list(prefix))).rejects.toBeInstanceOf(InvalidError);
        }
        expect(await collect(store.list(""))).toEqual([]);
      }),
    );

    test(
      "a body over maxBytes throws TooLargeError and leaves the previous object intact",
      withStore(async (store) => {
        await store.put("lim/k", "previous");
        await expect(
          store.put("lim/k", streamOf(["12345", "67890", "x"]), { maxBytes: 10 }),
        ).rejects.toBeInstanceOf(TooLargeError);
        await expect(store.put("lim/k", "12345678901", { maxBytes: 10 })).rejects.toBeInstanceOf(
          TooLargeError,
        );
        expect(await text(store, "lim/k")).toBe("previous");
        await expect(
          store.put("lim/new", streamOf(["12345", "678901"]), { maxBytes: 10 }),
        ).rejects.toBeInstanceOf(TooLargeError);
        expect(await store.head("lim/new")).toBeUndefined();
        expect(await collect(store.list("lim/"))).toEqual(["lim/k"]);
        expect((await store.put("lim/exact", streamOf(["12345", "67890"]), { maxBytes: 10 })).size).toBe(10);
        await expect(store.put("lim/k", "x", { maxBytes: -1 })).rejects.toBeInstanceOf(InvalidError);
      }),
    );

    test(
      "a body stream that fails half-way stores nothing",
      withStore(async (store) => {
        await store.put("fail/k", "previous");
        const failing = (n: number) => failingStream(n, new Error("client went away"));
        await expect(store.put("fail/k", failing(3))).rejects.toBeDefined();
        await expect(store.put("fail/new", failing(3))).rejects.toBeDefined();
        expect(await text(store, "fail/k")).toBe("previous");
        expect(await store.head("fail/new")).toBeUndefined();
        expect(await collect(store.list("fail/"))).toEqual(["fail/k"]);
      }),
    );

    test(
      "an open reader keeps seeing the object it started with",
      withStore(async (store) => {
        const first = new Uint8Array(300_000).fill(1);
        await store.put("snap/k", first);
        const reader = await store.get("snap/k");
        await store.put("snap/k", new Uint8Array(300_000).fill(2));
        if (!reader) throw new Error("expected a stream");
        expect(await readAll(reader)).toEqual(first);
        expect((await bytesOf(store, "snap/k"))[0]).toBe(2);
      }),
    );

    test(
      "concurrent overwrites leave one complete version",
      withStore(async (store) => {
        const versions = [1, 2, 3, 4].map((v) => new Uint8Array(100_000).fill(v));
        await Promise.all(
          versions.map((v) => store.put("race/k", streamOf([v.subarray(0, 50_000), v.subarray(50_000)]))),
        );
        const got = await bytesOf(store, "race/k");
        expect(got.byteLength).toBe(100_000);
        expect(got.every((b) => b === got[0])).toBe(true);
      }),
    );

    test(
      "a cancelled reader releases the object",
      withStore(async (store) => {
        await store.put("cancel/k", new Uint8Array(1_000_000));
        const stream = await store.get("cancel/k");
        const reader = stream?.getReader();
        await reader?.read();
        await reader?.cancel();
        await store.delete("cancel/k");
        expect(await store.head("cancel/k")).toBeUndefined();
      }),
    );

    const largeBytes = options.largeObjectBytes ?? 50 * mib;
    test(
      `streams a ${Math.round(largeBytes / mib)} MiB object in and out${options.boundedMemory ? " in bounded memory" : ""}`,
      withStore(async (store) => {
        // Bun collects lazily: already-sent buffers (the HTTP client copies request bodies) can sit in
        // the heap as garbage for a while and inflate RSS far past what is live. Collecting every MiB
        // makes RSS follow live memory, which is what this test is about: nothing holds the object.
        Bun.gc(true);
        const baseline = process.memoryUsage().rss;
        let peak = baseline;
        let sinceGc = 0;
        const sample = (bytes: number) => {
          sinceGc += bytes;
          if (sinceGc >= mib) {
            sinceGc = 0;
            Bun.gc(true);
          }
          peak = Math.max(peak, process.memoryUsage().rss);
        };
        const written = largeStream(largeBytes, sample);
        const meta = await store.put("large/blob", written.stream, { maxBytes: largeBytes });
        expect(meta.size).toBe(largeBytes);
        expect((await store.head("large/blob"))?.size).toBe(largeBytes);
        const putPeak = peak - baseline;

        const stream = await store.get("large/blob");
        if (!stream) throw new Error("expected a stream");
        const hasher = new Bun.CryptoHasher("sha256");
        let size = 0;
        for await (const chunk of iterate(stream)) {
          hasher.update(chunk);
          size += chunk.byteLength;
          sample(chunk.byteLength);
        }
        expect(size).toBe(largeBytes);
        expect(hasher.digest("hex")).toBe(written.digest());
        const growth = peak - baseline;
        if (Bun.env.TERRAPOD_TEST_REPORT_RSS) {
          console.info(
            `[rss] ${name}: ${largeBytes / mib} MiB put peak +${(putPeak / mib).toFixed(1)} MiB, put+get peak +${(growth / mib).toFixed(1)} MiB`,
          );
        }
        if (options.boundedMemory) expect(growth).toBeLessThan(30 * mib);
        await store.delete("large/blob");
      }),
      options.largeObjectTimeoutMs ?? 60_000,
    );
  });
}

function streamOf(parts: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const queue = parts.map((p) => (typeof p === "string" ? encoder.encode(p) : p));
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

/** Yields `chunks` chunks of 64 KiB, then errors. */
function failingStream(chunks: number, error: Error): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(new Uint8Array(64 * 1024).fill(7));
      else controller.error(error);
    },
  });
}

/** A deterministic stream of `total` bytes produced on demand (64 KiB at a time) with its digest. */
function largeStream(
  total: number,
  onPull: (bytes: number) => void,
): { stream: ReadableStream<Uint8Array>; digest: () => string } {
  const chunkSize = 64 * 1024;
  const pattern = Uint8Array.from({ length: chunkSize }, (_, i) => (i * 131 + 7) % 256);
  const hasher = new Bun.CryptoHasher("sha256");
  let sent = 0;
  let index = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        onPull(chunkSize);
        if (sent >= total) {
          controller.close();
          return;
        }
        const size = Math.min(chunkSize, total - sent);
        const chunk = pattern.slice(0, size);
        new DataView(chunk.buffer).setUint32(0, index++);
        hasher.update(chunk);
        sent += size;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 1 },
  );
  return { stream, digest: () => hasher.digest("hex") };
}

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function bytesOf(store: BlobStore, key: string): Promise<Uint8Array> {
  const stream = await store.get(key);
  if (!stream) throw new Error(`expected ${key} to exist`);
  return readAll(stream);
}

async function text(store: BlobStore, key: string): Promise<string> {
  return decoder.decode(await bytesOf(store, key));
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out;
}
