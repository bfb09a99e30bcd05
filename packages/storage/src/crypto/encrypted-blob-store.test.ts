import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readAll } from "../body.ts";
import { createFsBlobStore } from "../fs-blob-store.ts";
import { createMemoryBlobStore } from "../memory-blob-store.ts";
import { blobStoreContract } from "../testing/blob-store-contract.ts";
import { createEncryptedBlobStore } from "./encrypted-blob-store.ts";
import { DecryptionError } from "./errors.ts";
import { generateKeySpec, parseKeyring } from "./keyring.ts";

const spec1 = generateKeySpec("k1");
const ring = parseKeyring(spec1);

blobStoreContract(
  "encrypted memory",
  async () => ({ store: createEncryptedBlobStore(createMemoryBlobStore(), ring) }),
  { keepsContentType: true, boundedMemory: false, largeObjectBytes: 8 * 1024 * 1024 },
);

blobStoreContract(
  "encrypted fs",
  async () => {
    const root = await mkdtemp(join(tmpdir(), "terrapod-enc-blobs-"));
    return {
      store: createEncryptedBlobStore(createFsBlobStore({ root }), ring),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
  { keepsContentType: false, boundedMemory: true },
);

async function text(stream: ReadableStream<Uint8Array> | undefined): Promise<string> {
  if (!stream) throw new Error("expected a stream");
  return new TextDecoder().decode(await readAll(stream));
}

describe("encrypted blob store specifics", () => {
  test("the inner store holds ciphertext only", async () => {
    const inner = createMemoryBlobStore();
    const store = createEncryptedBlobStore(inner, ring);
    const secret = "password = hunter2 ".repeat(100);
    await store.put("state/ws-1/sv-1", secret);
    const raw = await text(await inner.get("state/ws-1/sv-1"));
    expect(raw).not.toContain("hunter2");
    expect((await inner.head("state/ws-1/sv-1"))?.size).toBeGreaterThan(secret.length);
    expect((await store.head("state/ws-1/sv-1"))?.size).toBe(secret.length);
  });

  test("ciphertext copied to another key does not open", async () => {
    const inner = createMemoryBlobStore();
    const store = createEncryptedBlobStore(inner, ring);
    await store.put("state/ws-1/sv-1", "workspace one");
    const stolen = await inner.get("state/ws-1/sv-1");
    if (!stolen) throw new Error("expected ciphertext");
    await inner.put("state/ws-2/sv-1", stolen);
    await expect(text(await store.get("state/ws-2/sv-1"))).rejects.toBeInstanceOf(DecryptionError);
    await expect(store.getRange("state/ws-2/sv-1", 0, 4)).rejects.toBeInstanceOf(DecryptionError);
  });

  test("tampering in the inner store is detected on get and getRange", async () => {
    const inner = createMemoryBlobStore();
    const store = createEncryptedBlobStore(inner, ring);
    await store.put("k", "x".repeat(1000));
    const sealed = await readAll((await inner.get("k")) ?? new ReadableStream());
    const tampered = sealed.slice();
    tampered[tampered.byteLength - 20] = (tampered[tampered.byteLength - 20] ?? 0) ^ 1;
    await inner.put("k", tampered);
    await expect(text(await store.get("k"))).rejects.toBeInstanceOf(DecryptionError);
    await expect(store.getRange("k", 0, 10)).rejects.toBeInstanceOf(DecryptionError);
    await inner.put("k", sealed.subarray(0, sealed.byteLength - 1));
    await expect(text(await store.get("k"))).rejects.toBeInstanceOf(DecryptionError);
  });

  test("plaintext written around the wrapper is rejected, not returned", async () => {
    const inner = createMemoryBlobStore();
    const store = createEncryptedBlobStore(inner, ring);
    await inner.put("legacy", "not encrypted");
    await expect(text(await store.get("legacy"))).rejects.toBeInstanceOf(DecryptionError);
    await expect(store.head("legacy")).rejects.toBeInstanceOf(DecryptionError);
  });

  test("rotation: objects sealed with a retired key still read; new ones use the active key", async () => {
    const inner = createMemoryBlobStore();
    await createEncryptedBlobStore(inner, ring).put("old", "sealed with k1");
    const rotated = createEncryptedBlobStore(inner, parseKeyring(`${generateKeySpec("k2")},${spec1}`));
    expect(await text(await rotated.get("old"))).toBe("sealed with k1");
    await rotated.put("new", "sealed with k2");
    const header = await inner.getRange("new", 0, 9);
    expect(new TextDecoder().decode(header?.subarray(7, 9))).toBe("k2");
    await expect(text(await createEncryptedBlobStore(inner, ring).get("new"))).rejects.toThrow(
      'sealed with key "k2"',
    );
  });

  test("getRange reads only the records it needs", async () => {
    const inner = createMemoryBlobStore();
    const requested: number[] = [];
    const spying = {
      ...inner,
      getRange: async (key: string, offset: number, length: number) => {
        requested.push(length);
        return inner.getRange(key, offset, length);
      },
    };
    const store = createEncryptedBlobStore(spying, ring);
    const bytes = Uint8Array.from({ length: 1_000_000 }, (_, i) => i % 256);
    await store.put("big", bytes);
    requested.length = 0;
    expect(await store.getRange("big", 500_000, 100)).toEqual(bytes.slice(500_000, 500_100));
    // The header probe plus one 64 KiB record, not the whole megabyte.
    expect(requested.reduce((a, b) => a + b, 0)).toBeLessThan(70_000);
  });
});
