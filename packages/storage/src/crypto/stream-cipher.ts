import { createHash, randomBytes } from "node:crypto";
import { InternalError, InvalidError } from "@terrapod/kernel";
import { nonceBytes, open, seal, tagBytes, unwrapDataKey, wrapNewDataKey, wrappedKeyBytes } from "./aead.ts";
import { ByteQueue } from "./byte-queue.ts";
import { DecryptionError } from "./errors.ts";
import type { Keyring } from "./keyring.ts";

/*
 * Chunked AEAD stream format, version 1 ("TPSE"):
 *
 *   header  = "TPSE" ‖ version u8 (=1) ‖ log2(recordSize) u8 ‖ idLen u8 ‖ keyId (ASCII)
 *             ‖ wrapNonce(12) ‖ wrappedDataKey(32) ‖ wrapTag(16) ‖ noncePrefix(8)
 *   records = record_0 ‖ … ‖ record_{n-1}; record_i = AES-256-GCM(dataKey, nonce_i, plaintext_i, aad_i)
 *             as ciphertext ‖ tag(16)
 *
 * - The data key is 32 random bytes per stream, sealed with keyring key `keyId`; the wrap's AAD is
 *   "terrapod/stream/v1/key" ‖ header[0 .. 7+idLen), binding version, record size and key id.
 * - nonce_i = noncePrefix ‖ u32be(i); records cannot be reordered or dropped from the middle.
 * - aad_i = SHA-256("terrapod/stream/v1/record" ‖ header ‖ caller aad) ‖ final_i, where final_i is 1 for
 *   the last record and 0 otherwise, so a stream cut at a record boundary fails to open.
 * - Every record but the last holds exactly recordSize plaintext bytes; the last holds 0..recordSize
 *   (an empty plaintext is one empty final record). Sizes are therefore implied, not stored, and a
 *   ciphertext length maps to exactly one plaintext length (see `streamPlaintextLength`).
 * - The decryptor emits a record's plaintext only after its tag verified.
 */

const magic = new Uint8Array([0x54, 0x50, 0x53, 0x45]); // "TPSE"
const version = 1;
const noncePrefixBytes = 8;
/** Record size used for new streams: 64 KiB. */
export const defaultRecordSizeLog2 = 16;
const minRecordSizeLog2 = 10;
/** Readers refuse larger records, so a forged header cannot make them buffer much. */
const maxRecordSizeLog2 = 20;
const fixedHeaderBytes = 7;
/** The longest possible header; reading this many bytes always yields a whole header. */
export const maxStreamHeaderBytes = fixedHeaderBytes + 255 + wrappedKeyBytes + noncePrefixBytes;

const encoder = new TextEncoder();
const keyAadLabel = encoder.encode("terrapod/stream/v1/key");
const recordAadLabel = encoder.encode("terrapod/stream/v1/record");

export type StreamHeaderInfo = {
  readonly headerLength: number;
  readonly recordSize: number;
  readonly keyId: string;
};

export type EncryptStreamOptions = {
  /** Plaintext bytes per record, a power of two from 1 KiB to 64 KiB (default 64 KiB). */
  readonly recordSize?: number;
};

/** Encrypts a byte stream with the keyring's active key. Memory use is one record regardless of size. */
export function encryptStream(
  keyring: Keyring,
  aad?: string,
  opts?: EncryptStreamOptions,
): TransformStream<Uint8Array, Uint8Array> {
  const recordSizeLog2 = recordLog2Of(opts?.recordSize);
  const recordSize = 2 ** recordSizeLog2;
  const pending = new ByteQueue();
  let state: { header: Uint8Array; opener: RecordCipher } | undefined;
  let index = 0;

  const sealNext = (
    controller: TransformStreamDefaultController<Uint8Array>,
    bytes: Uint8Array,
    final: boolean,
  ) => {
    if (!state) throw new InternalError("stream encryption used before start");
    controller.enqueue(state.opener.seal(index, final, bytes));
    index++;
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      const { id, key } = keyring.active;
      const idBytes = encoder.encode(id);
      const prefix = new Uint8Array(fixedHeaderBytes + idBytes.byteLength);
      prefix.set(magic, 0);
      prefix.set([version, recordSizeLog2, idBytes.byteLength], magic.byteLength);
      prefix.set(idBytes, fixedHeaderBytes);
      const { dataKey, wrapped } = wrapNewDataKey(key, concat([keyAadLabel, prefix]));
      const header = concat([prefix, wrapped, randomBytes(noncePrefixBytes)]);
      state = { header, opener: recordCipher(dataKey, header, recordSize, aad) };
      controller.enqueue(header);
    },
    transform(chunk, controller) {
      pending.push(chunk);
      // Hold back a full record until more data proves it is not the last one.
      while (pending.length > recordSize) sealNext(controller, pending.take(recordSize), false);
    },
    flush(controller) {
      sealNext(controller, pending.take(pending.length), true);
      state?.opener.destroy();
    },
  });
}

/**
 * Decrypts a stream made by `encryptStream` with any key in the ring. Errors the stream with
 * DecryptionError on a wrong key or `aad`, tampering, reordering, truncation or trailing data.
 */
export function decryptStream(keyring: Keyring, aad?: string): TransformStream<Uint8Array, Uint8Array> {
  const pending = new ByteQueue();
  let opener: RecordCipher | undefined;
  let index = 0;

  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      pending.push(chunk);
      if (!opener) {
        const info = peekStreamHeader(pending.peek(Math.min(pending.length, maxStreamHeaderBytes)));
        if (!info || pending.length < info.headerLength) return;
        opener = openStreamHeader(keyring, pending.take(info.headerLength), aad);
      }
      const sealedSize = opener.recordSize + tagBytes;
      // A whole record followed by at least one more byte cannot be the final record.
      while (pending.length > sealedSize)
        controller.enqueue(opener.open(index++, false, pending.take(sealedSize)));
    },
    flush(controller) {
      if (!opener) throw new DecryptionError("encrypted stream is truncated (incomplete header)");
      if (pending.length < tagBytes) throw new DecryptionError("encrypted stream is truncated");
      controller.enqueue(opener.open(index, true, pending.take(pending.length)));
      opener.destroy();
    },
  });
}

/**
 * Reads the cleartext header fields from the start of a stream; undefined when `bytes` is too short to
 * tell. Throws DecryptionError when the bytes are not a version-1 stream.
 */
export function peekStreamHeader(bytes: Uint8Array): StreamHeaderInfo | undefined {
  for (let i = 0; i < Math.min(bytes.byteLength, magic.byteLength); i++) {
    if (bytes[i] !== magic[i]) throw new DecryptionError("not a Terrapod encrypted stream (bad magic)");
  }
  if (bytes.byteLength < fixedHeaderBytes) return undefined;
  const [streamVersion = 0, log2 = 0, idLength = 0] = bytes.subarray(magic.byteLength, fixedHeaderBytes);
  if (streamVersion !== version)
    throw new DecryptionError(`unsupported encrypted stream version ${streamVersion}`);
  if (log2 < minRecordSizeLog2 || log2 > maxRecordSizeLog2) {
    throw new DecryptionError(`encrypted stream has an invalid record size (2^${log2})`);
  }
  if (idLength === 0) throw new DecryptionError("encrypted stream has an empty key id");
  const headerLength = fixedHeaderBytes + idLength + wrappedKeyBytes + noncePrefixBytes;
  if (bytes.byteLength < fixedHeaderBytes + idLength) return undefined;
  const keyId = Buffer.from(bytes.subarray(fixedHeaderBytes, fixedHeaderBytes + idLength)).toString("latin1");
  return { headerLength, recordSize: 2 ** log2, keyId };
}

export type RecordCipher = {
  readonly recordSize: number;
  readonly headerLength: number;
  seal(index: number, final: boolean, plaintext: Uint8Array): Uint8Array;
  /** Opens one sealed record (ciphertext ‖ tag); throws DecryptionError unless it authenticates. */
  open(index: number, final: boolean, sealed: Uint8Array): Uint8Array;
  /** Zeroes the data key. */
  destroy(): void;
};

/** Unwraps the data key of a complete header, for random access to individual records. */
export function openStreamHeader(keyring: Keyring, header: Uint8Array, aad?: string): RecordCipher {
  const info = peekStreamHeader(header);
  if (!info || header.byteLength < info.headerLength)
    throw new DecryptionError("encrypted stream header is truncated");
  const entry = keyring.find(info.keyId);
  if (!entry) {
    throw new DecryptionError(
      `encrypted stream was sealed with key "${info.keyId}", which is not in the keyring`,
    );
  }
  const exact = header.subarray(0, info.headerLength);
  const idEnd = info.headerLength - wrappedKeyBytes - noncePrefixBytes;
  const wrapped = exact.subarray(idEnd, idEnd + wrappedKeyBytes);
  const dataKey = unwrapDataKey(entry.key, wrapped, concat([keyAadLabel, exact.subarray(0, idEnd)]));
  return recordCipher(dataKey, exact, info.recordSize, aad);
}

function recordCipher(
  dataKey: Buffer,
  header: Uint8Array,
  recordSize: number,
  aad: string | undefined,
): RecordCipher {
  const noncePrefix = header.subarray(header.byteLength - noncePrefixBytes);
  const digest = createHash("sha256")
    .update(recordAadLabel)
    .update(header)
    .update(encoder.encode(aad ?? ""))
    .digest();
  const aadFor = (final: boolean) => concat([digest, new Uint8Array([final ? 1 : 0])]);
  const nonceFor = (index: number) => {
    if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
      throw new DecryptionError("encrypted stream has too many records");
    }
    const nonce = new Uint8Array(nonceBytes);
    nonce.set(noncePrefix, 0);
    new DataView(nonce.buffer).setUint32(noncePrefixBytes, index, false);
    return nonce;
  };
  return {
    recordSize,
    headerLength: header.byteLength,
    seal: (index, final, plaintext) => seal(dataKey, nonceFor(index), plaintext, aadFor(final)),
    open: (index, final, sealed) => {
      if (sealed.byteLength > recordSize + tagBytes)
        throw new DecryptionError("encrypted record is too long");
      if (!final && sealed.byteLength !== recordSize + tagBytes)
        throw new DecryptionError("encrypted record is short");
      return open(dataKey, nonceFor(index), sealed, aadFor(final), `encrypted record ${index}`);
    },
    destroy: () => dataKey.fill(0),
  };
}

/** Number of records in a stream whose ciphertext is `ciphertextLength` bytes long. */
export function streamRecordCount(info: StreamHeaderInfo, ciphertextLength: number): number {
  const body = ciphertextLength - info.headerLength;
  if (body < tagBytes) throw new DecryptionError("encrypted stream is truncated");
  return Math.ceil(body / (info.recordSize + tagBytes));
}

/** The plaintext length of a stream whose ciphertext is `ciphertextLength` bytes long. */
export function streamPlaintextLength(info: StreamHeaderInfo, ciphertextLength: number): number {
  const records = streamRecordCount(info, ciphertextLength);
  return ciphertextLength - info.headerLength - records * tagBytes;
}

/** Ciphertext length for a plaintext of `plaintextLength` bytes sealed under `info`'s parameters. */
export function streamCiphertextLength(info: StreamHeaderInfo, plaintextLength: number): number {
  const records = Math.max(1, Math.ceil(plaintextLength / info.recordSize));
  return info.headerLength + plaintextLength + records * tagBytes;
}

function recordLog2Of(recordSize: number | undefined): number {
  if (recordSize === undefined) return defaultRecordSizeLog2;
  const log2 = Math.log2(recordSize);
  if (!Number.isInteger(log2) || log2 < minRecordSizeLog2 || log2 > defaultRecordSizeLog2) {
    throw new InvalidError(`record size must be a power of two from 1 KiB to 64 KiB, got ${recordSize}`);
  }
  return log2;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
