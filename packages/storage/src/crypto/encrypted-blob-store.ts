import { TooLargeError } from "@terrapod/kernel";
import type { BlobBody, BlobMeta, BlobStore, PutOptions } from "../blob-store.ts";
import {
  bodyToStream,
  checkMaxBytes,
  checkRange,
  concatBytes,
  createByteCounter,
  precheckSize,
} from "../body.ts";
import { assertValidKey } from "../keys.ts";
import { tagBytes } from "./aead.ts";
import { DecryptionError } from "./errors.ts";
import type { Keyring } from "./keyring.ts";
import {
  decryptStream,
  encryptStream,
  maxStreamHeaderBytes,
  openStreamHeader,
  peekStreamHeader,
  type StreamHeaderInfo,
  streamPlaintextLength,
  streamRecordCount,
} from "./stream-cipher.ts";

/**
 * A BlobStore that encrypts every object at rest with `encryptStream` (see stream-cipher.ts) before it
 * reaches `inner`, and decrypts on the way out; all of it streams.
 *
 * - Each object's AAD is `terrapod/blob/<key>`, so ciphertext copied to another key does not open.
 * - `put`'s `maxBytes` and returned size are plaintext bytes; `inner` receives no limit.
 * - `head().size` is the exact plaintext size, computed from the ciphertext size and the stream header
 *   (one extra small ranged read).
 * - `getRange` decrypts only the records that overlap the range (header + those records are read from
 *   `inner`), so it is O(length), not O(object).
 * - `list`, `delete`, `ping` and `sweepIncompleteUploads` pass straight through; keys and content types
 *   are not encrypted.
 * - Objects written without this wrapper do not decrypt (DecryptionError).
 */
export function createEncryptedBlobStore(inner: BlobStore, keyring: Keyring): BlobStore {
  const state: EncryptedState = { inner, keyring };
  return {
    put: (key, body, opts) => putBlob(state, key, body, opts),
    get: (key) => getBlob(state, key),
    getRange: (key, offset, length) => getBlobRange(state, key, offset, length),
    head: (key) => headBlob(state, key),
    delete: (key) => inner.delete(key),
    list: (prefix) => inner.list(prefix),
    ping: () => inner.ping(),
    sweepIncompleteUploads: (olderThan) => inner.sweepIncompleteUploads(olderThan),
  };
}

/** What the operations of one encrypting store share: the store holding the ciphertext, and the keys. */
type EncryptedState = { readonly inner: BlobStore; readonly keyring: Keyring };

function aadFor(key: string): string {
  return `terrapod/blob/${key}`;
}

async function putBlob(
  state: EncryptedState,
  key: string,
  body: BlobBody,
  opts: PutOptions | undefined,
): Promise<BlobMeta> {
  assertValidKey(key);
  const maxBytes = checkMaxBytes(opts?.maxBytes);
  precheckSize(`blob ${key}`, body, maxBytes);
  const counter = createByteCounter(`blob ${key}`, maxBytes);
  const sealed = bodyToStream(body)
    .pipeThrough(counter.transform)
    .pipeThrough(encryptStream(state.keyring, aadFor(key)));
  const contentType = opts?.contentType;
  try {
    await state.inner.put(key, sealed, contentType === undefined ? {} : { contentType });
  } catch (err) {
    // The inner store may wrap the stream's error; the limit is what the caller needs to hear about.
    if (counter.overflowed()) throw new TooLargeError(`blob ${key}`, maxBytes ?? 0);
    throw err;
  }
  const size = counter.bytes();
  return contentType === undefined ? { size } : { size, contentType };
}

async function getBlob(state: EncryptedState, key: string): Promise<ReadableStream<Uint8Array> | undefined> {
  const stream = await state.inner.get(key);
  return stream?.pipeThrough(decryptStream(state.keyring, aadFor(key)));
}

/** Size and header of a stored object (undefined when it is missing). */
async function inspect(
  state: EncryptedState,
  key: string,
): Promise<
  { size: number; contentType?: string | undefined; header: Uint8Array; info: StreamHeaderInfo } | undefined
> {
  const meta = await state.inner.head(key);
  if (!meta) return undefined;
  const header = await state.inner.getRange(key, 0, maxStreamHeaderBytes);
  if (!header) return undefined;
  const info = peekStreamHeader(header);
  if (!info || header.byteLength < info.headerLength)
    throw new DecryptionError(`blob ${key} is not encrypted`);
  return { ...meta, header: header.subarray(0, info.headerLength), info };
}

async function headBlob(state: EncryptedState, key: string): Promise<BlobMeta | undefined> {
  assertValidKey(key);
  const found = await inspect(state, key);
  if (!found) return undefined;
  const size = streamPlaintextLength(found.info, found.size);
  return found.contentType === undefined ? { size } : { size, contentType: found.contentType };
}

async function getBlobRange(
  state: EncryptedState,
  key: string,
  offset: number,
  length: number,
): Promise<Uint8Array | undefined> {
  assertValidKey(key);
  checkRange(offset, length);
  try {
    return await readRange(state, key, offset, length);
  } catch (err) {
    // An overwrite between our reads mixes two objects' bytes and fails authentication: retry once.
    if (!(err instanceof DecryptionError)) throw err;
    return await readRange(state, key, offset, length);
  }
}

async function readRange(
  state: EncryptedState,
  key: string,
  offset: number,
  length: number,
): Promise<Uint8Array | undefined> {
  const found = await inspect(state, key);
  if (!found) return undefined;
  const { info, header } = found;
  const total = streamPlaintextLength(info, found.size);
  const end = Math.min(offset + length, total);
  if (offset >= end) return new Uint8Array(0);
  const records = streamRecordCount(info, found.size);
  const first = Math.floor(offset / info.recordSize);
  const last = Math.floor((end - 1) / info.recordSize);
  const sealedSize = info.recordSize + tagBytes;
  const start = info.headerLength + first * sealedSize;
  const stop = Math.min(info.headerLength + (last + 1) * sealedSize, found.size);
  const sealed = await state.inner.getRange(key, start, stop - start);
  if (!sealed || sealed.byteLength !== stop - start)
    throw new DecryptionError(`blob ${key} changed while reading`);
  const cipher = openStreamHeader(state.keyring, header, aadFor(key));
  try {
    const parts: Uint8Array[] = [];
    for (let index = first; index <= last; index++) {
      const at = (index - first) * sealedSize;
      parts.push(
        cipher.open(
          index,
          index === records - 1,
          sealed.subarray(at, Math.min(at + sealedSize, sealed.byteLength)),
        ),
      );
    }
    const plain = concatBytes(parts);
    const skip = offset - first * info.recordSize;
    return plain.slice(skip, skip + (end - offset));
  } finally {
    cipher.destroy();
  }
}
