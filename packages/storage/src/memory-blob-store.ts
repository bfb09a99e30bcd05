import { TooLargeError } from "@terrapod/kernel";
import type { BlobBody, BlobMeta, BlobStore, PutOptions } from "./blob-store.ts";
import { bodyToStream, checkMaxBytes, checkRange, concatBytes, precheckSize, readChunks } from "./body.ts";
import { assertValidKey, assertValidPrefix, compareKeys } from "./keys.ts";

type StoredObject = { readonly data: Uint8Array; readonly contentType: string | undefined };

/** Chunk size of the streams `get` returns. */
const readChunkBytes = 64 * 1024;

/**
 * An in-process BlobStore for unit tests and single-process tools. Objects live in memory, so `put`
 * necessarily buffers the body (still enforcing `maxBytes` while it streams). Writes become visible in
 * one step when the body has been read completely.
 */
export function createMemoryBlobStore(): BlobStore {
  const objects = new Map<string, StoredObject>();

  async function put(key: string, body: BlobBody, opts?: PutOptions): Promise<BlobMeta> {
    assertValidKey(key);
    const maxBytes = checkMaxBytes(opts?.maxBytes);
    precheckSize(`blob ${key}`, body, maxBytes);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of readChunks(bodyToStream(body))) {
      size += chunk.byteLength;
      if (maxBytes !== undefined && size > maxBytes) throw new TooLargeError(`blob ${key}`, maxBytes);
      // Copy: the producer may reuse its buffers once they have been read.
      chunks.push(chunk.slice());
    }
    const contentType = opts?.contentType;
    objects.set(key, { data: concatBytes(chunks, size), contentType });
    return contentType === undefined ? { size } : { size, contentType };
  }

  async function get(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    assertValidKey(key);
    const object = objects.get(key);
    if (!object) return undefined;
    // Snapshot semantics: a later overwrite replaces the map entry, never this byte array.
    const { data } = object;
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= data.byteLength) {
          controller.close();
          return;
        }
        const end = Math.min(at + readChunkBytes, data.byteLength);
        controller.enqueue(data.slice(at, end));
        at = end;
      },
    });
  }

  async function getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    checkRange(offset, length);
    const object = objects.get(key);
    if (!object) return undefined;
    return object.data.slice(
      Math.min(offset, object.data.byteLength),
      Math.min(offset + length, object.data.byteLength),
    );
  }

  async function head(key: string): Promise<BlobMeta | undefined> {
    assertValidKey(key);
    const object = objects.get(key);
    if (!object) return undefined;
    const size = object.data.byteLength;
    return object.contentType === undefined ? { size } : { size, contentType: object.contentType };
  }

  async function del(key: string): Promise<void> {
    assertValidKey(key);
    objects.delete(key);
  }

  async function* list(prefix: string): AsyncGenerator<string> {
    assertValidPrefix(prefix);
    const keys = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort(compareKeys);
    for (const key of keys) {
      // Skip keys deleted while the caller was iterating, as a paginated listing would.
      if (objects.has(key)) yield key;
    }
  }

  // A put either completes or leaves nothing: there are no incomplete uploads to sweep.
  const sweepIncompleteUploads = async () => 0;
  return { put, get, getRange, head, delete: del, list, ping: async () => {}, sweepIncompleteUploads };
}
