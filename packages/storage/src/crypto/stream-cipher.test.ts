import { describe, expect, test } from "bun:test";
import { readAll } from "../body.ts";
import { DecryptionError } from "./errors.ts";
import { generateKeySpec, parseKeyring } from "./keyring.ts";
import {
  decryptStream,
  encryptStream,
  maxStreamHeaderBytes,
  peekStreamHeader,
  streamCiphertextLength,
  streamPlaintextLength,
} from "./stream-cipher.ts";

const spec1 = generateKeySpec("k1");
const ring1 = parseKeyring(spec1);
const ring21 = parseKeyring(`${generateKeySpec("k2")},${spec1}`);
const mib = 1024 * 1024;

function source(bytes: Uint8Array, chunk = 10_000): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) controller.close();
      else {
        controller.enqueue(bytes.slice(at, at + chunk));
        at += chunk;
      }
    },
  });
}

async function encrypt(bytes: Uint8Array, aad?: string, recordSize?: number): Promise<Uint8Array> {
  const opts = recordSize === undefined ? undefined : { recordSize };
  return readAll(source(bytes).pipeThrough(encryptStream(ring1, aad, opts)));
}

async function decrypt(bytes: Uint8Array, aad?: string, ring = ring1, chunk = 7_777): Promise<Uint8Array> {
  return readAll(source(bytes, chunk).pipeThrough(decryptStream(ring, aad)));
}

function pattern(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 37 + (i >> 8)) & 0xff);
}

describe("stream encryption", () => {
  test.each([0, 1, 1023, 1024, 1025, 4096, 65_536, 65_537, 200_000])("round-trips %d bytes", async (size) => {
    const plain = pattern(size);
    const sealed = await encrypt(plain);
    const info = peekStreamHeader(sealed);
    if (!info) throw new Error("expected a header");
    expect(info).toMatchObject({ keyId: "k1", recordSize: 65_536 });
    expect(sealed.byteLength).toBe(streamCiphertextLength(info, size));
    expect(streamPlaintextLength(info, sealed.byteLength)).toBe(size);
    expect(await decrypt(sealed)).toEqual(plain);
    // Any chunking of the ciphertext decrypts the same, down to single bytes.
    expect(await decrypt(sealed, undefined, ring1, size <= 70_000 ? 1 : 4099)).toEqual(plain);
  });

  test("small records: sizes map exactly and many records decrypt", async () => {
    for (const size of [0, 1024, 1025, 3 * 1024, 10_000]) {
      const plain = pattern(size);
      const sealed = await encrypt(plain, "x", 1024);
      const info = peekStreamHeader(sealed);
      if (!info) throw new Error("expected a header");
      expect(info.recordSize).toBe(1024);
      expect(streamPlaintextLength(info, sealed.byteLength)).toBe(size);
      expect(await decrypt(sealed, "x")).toEqual(plain);
    }
  });

  test("the header stays within maxStreamHeaderBytes", async () => {
    const sealed = await encrypt(new Uint8Array(0));
    expect(peekStreamHeader(sealed)?.headerLength).toBeLessThanOrEqual(maxStreamHeaderBytes);
  });

  test("rotation: a ring with the old key as a secondary still decrypts; new streams use the new key", async () => {
    const plain = pattern(100_000);
    const sealed = await encrypt(plain);
    expect(await decrypt(sealed, undefined, ring21)).toEqual(plain);
    const fresh = await readAll(source(plain).pipeThrough(encryptStream(ring21)));
    expect(peekStreamHeader(fresh)?.keyId).toBe("k2");
    await expect(decrypt(fresh)).rejects.toThrow('sealed with key "k2", which is not in the keyring');
  });

  test("a wrong key or wrong associated data fails", async () => {
    const sealed = await encrypt(pattern(5000), "state/ws-1");
    await expect(decrypt(sealed, "state/ws-2")).rejects.toBeInstanceOf(DecryptionError);
    const impostor = parseKeyring(generateKeySpec("k1"));
    await expect(decrypt(sealed, "state/ws-1", impostor)).rejects.toBeInstanceOf(DecryptionError);
  });

  test("detects a flipped bit in the header, any record, or any tag", async () => {
    const sealed = await encrypt(pattern(3000), undefined, 1024);
    const info = peekStreamHeader(sealed);
    if (!info) throw new Error("expected a header");
    for (let i = 0; i < sealed.byteLength; i += 97) {
      const copy = sealed.slice();
      copy[i] = (copy[i] ?? 0) ^ 0x40;
      await expect(decrypt(copy)).rejects.toBeInstanceOf(DecryptionError);
    }
  });

  test("detects truncation at every length, including record boundaries", async () => {
    const sealed = await encrypt(pattern(4096), undefined, 1024);
    const info = peekStreamHeader(sealed);
    if (!info) throw new Error("expected a header");
    const boundaries = [1, 2, 3].map((n) => info.headerLength + n * (1024 + 16));
    for (const cut of [
      0,
      3,
      10,
      info.headerLength,
      info.headerLength + 15,
      ...boundaries,
      sealed.byteLength - 1,
    ]) {
      await expect(decrypt(sealed.subarray(0, cut))).rejects.toBeInstanceOf(DecryptionError);
    }
  });

  test("detects reordered records and trailing data", async () => {
    const sealed = await encrypt(pattern(4096 + 10), undefined, 1024);
    const info = peekStreamHeader(sealed);
    if (!info) throw new Error("expected a header");
    const rec = 1024 + 16;
    const h = info.headerLength;
    const swapped = new Uint8Array(sealed);
    swapped.set(sealed.subarray(h + rec, h + 2 * rec), h);
    swapped.set(sealed.subarray(h, h + rec), h + rec);
    await expect(decrypt(swapped)).rejects.toBeInstanceOf(DecryptionError);
    const trailing = new Uint8Array(sealed.byteLength + 1);
    trailing.set(sealed);
    await expect(decrypt(trailing)).rejects.toBeInstanceOf(DecryptionError);
    const doubled = new Uint8Array(sealed.byteLength * 2);
    doubled.set(sealed);
    doubled.set(sealed, sealed.byteLength);
    await expect(decrypt(doubled)).rejects.toBeInstanceOf(DecryptionError);
  });

  test("never emits plaintext from a record whose tag fails", async () => {
    const plain = pattern(3 * 1024);
    const sealed = await encrypt(plain, undefined, 1024);
    const info = peekStreamHeader(sealed);
    if (!info) throw new Error("expected a header");
    // Corrupt the tag of the second record: only the first record's plaintext may come out.
    const copy = sealed.slice();
    const tagAt = info.headerLength + 2 * (1024 + 16) - 1;
    copy[tagAt] = (copy[tagAt] ?? 0) ^ 1;
    const received: Uint8Array[] = [];
    const reader = source(copy, 100_000).pipeThrough(decryptStream(ring1)).getReader();
    let failure: unknown;
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        received.push(next.value);
      }
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(DecryptionError);
    expect(Buffer.concat(received)).toEqual(Buffer.from(plain.subarray(0, 1024)));
  });

  test("rejects input that is not an encrypted stream", async () => {
    await expect(decrypt(new TextEncoder().encode("plain text, not encrypted"))).rejects.toThrow("bad magic");
    await expect(decrypt(new Uint8Array(0))).rejects.toBeInstanceOf(DecryptionError);
  });

  test("streams 20 MiB through encrypt and decrypt", async () => {
    const total = 20 * mib;
    const chunk = new Uint8Array(64 * 1024);
    let produced = 0;
    let index = 0;
    const inHash = new Bun.CryptoHasher("sha256");
    const plain = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= total) {
          controller.close();
          return;
        }
        const next = chunk.slice();
        new DataView(next.buffer).setUint32(0, index++);
        inHash.update(next);
        produced += next.byteLength;
        controller.enqueue(next);
      },
    });
    const outHash = new Bun.CryptoHasher("sha256");
    let out = 0;
    let sealedBytes = 0;
    const counting = new TransformStream<Uint8Array, Uint8Array>({
      transform(c, controller) {
        sealedBytes += c.byteLength;
        controller.enqueue(c);
      },
    });
    const reader = plain
      .pipeThrough(encryptStream(ring1, "big"))
      .pipeThrough(counting)
      .pipeThrough(decryptStream(ring1, "big"))
      .getReader();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      out += next.value.byteLength;
      outHash.update(next.value);
    }
    expect(out).toBe(total);
    expect(outHash.digest("hex")).toBe(inHash.digest("hex"));
    expect(sealedBytes).toBeGreaterThan(total);
  }, 30_000);
});
