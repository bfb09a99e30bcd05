import { InvalidError, TooLargeError } from "@terrapod/kernel";
import type { BlobBody } from "./blob-store.ts";

const encoder = new TextEncoder();

/** The byte length of a body when it is known without reading it. */
export function knownLength(body: BlobBody): number | undefined {
  if (typeof body === "string") return Buffer.byteLength(body, "utf8");
  if (body instanceof Uint8Array) return body.byteLength;
  return undefined;
}

export function bodyToStream(body: BlobBody): ReadableStream<Uint8Array> {
  if (typeof body !== "string" && !(body instanceof Uint8Array)) return body;
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** Validates a `maxBytes` option: undefined or a non-negative safe integer. */
export function checkMaxBytes(maxBytes: number | undefined): number | undefined {
  if (maxBytes === undefined) return undefined;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new InvalidError(`maxBytes must be a non-negative integer, got ${maxBytes}`, "maxBytes");
  }
  return maxBytes;
}

/** Validates the arguments of `getRange`. */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidError(`range offset must be a non-negative integer, got ${offset}`, "offset");
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new InvalidError(`range length must be a non-negative integer, got ${length}`, "length");
  }
}

/** Throws TooLargeError before any I/O when a body of known length is already over the limit. */
export function precheckSize(what: string, body: BlobBody, maxBytes: number | undefined): void {
  const size = knownLength(body);
  if (maxBytes !== undefined && size !== undefined && size > maxBytes)
    throw new TooLargeError(what, maxBytes);
}

export type ByteCounter = {
  /** Passes bytes through, erroring the stream with TooLargeError once more than `maxBytes` went by. */
  readonly transform: TransformStream<Uint8Array, Uint8Array>;
  /** Bytes that passed so far. */
  readonly bytes: () => number;
  /** True once the limit was exceeded. */
  readonly overflowed: () => boolean;
};

export function createByteCounter(what: string, maxBytes: number | undefined): ByteCounter {
  let bytes = 0;
  let overflowed = false;
  const transform = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      if (maxBytes !== undefined && bytes > maxBytes) {
        overflowed = true;
        throw new TooLargeError(what, maxBytes);
      }
      controller.enqueue(chunk);
    },
  });
  return { transform, bytes: () => bytes, overflowed: () => overflowed };
}

/**
 * Iterates a stream's chunks. Leaving the loop early (break or throw) cancels the stream, so its
 * producer stops and releases what it holds.
 */
export async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) {
      // An errored stream rejects cancel() with its own error, which the caller already has.
      await reader.cancel().catch(ignore);
    }
    reader.releaseLock();
  }
}

/** Reads a whole stream into memory. Only for bounded data (ranges, tests, the memory store). */
export async function readAll(stream: ReadableStream<Uint8Array>, maxBytes?: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of readChunks(stream)) {
    size += chunk.byteLength;
    if (maxBytes !== undefined && size > maxBytes) throw new TooLargeError("blob", maxBytes);
    chunks.push(chunk);
  }
  return concatBytes(chunks, size);
}

export function concatBytes(chunks: readonly Uint8Array[], size?: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const total = size ?? chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** For promises whose failure is already reported another way (documented at each call site). */
export function ignore(_err: unknown): void {}
