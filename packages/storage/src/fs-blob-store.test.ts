import { describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConflictError, InvalidError, UnavailableError } from "@terrapod/kernel";
import { createFsBlobStore } from "./fs-blob-store.ts";
import { blobStoreContract } from "./testing/blob-store-contract.ts";

async function tempRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "terrapod-fs-blobs-"));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

blobStoreContract(
  "fs",
  async () => {
    const { root, cleanup } = await tempRoot();
    return { store: createFsBlobStore({ root: join(root, "blobs") }), cleanup };
  },
  { keepsContentType: false, boundedMemory: true },
);

describe("fs blob store specifics", () => {
  test("writes leave no temp files behind, even when they fail", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = createFsBlobStore({ root });
      await store.put("a/b", "ok");
      await store.put("a/c", "toolong", { maxBytes: 3 }).catch(() => undefined);
      expect(await readdir(join(root, ".partial"))).toEqual([]);
      expect(await readdir(join(root, "a"))).toEqual(["b"]);
    } finally {
      await cleanup();
    }
  });

  test("temp files a killed writer left are swept once older than the cut-off; newer ones stay", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = createFsBlobStore({ root });
      await store.put("a/b", "ok");
      await writeFile(join(root, ".partial", "old.tmp"), "half a state");
      await utimes(
        join(root, ".partial", "old.tmp"),
        new Date(Date.now() - 7200_000),
        new Date(Date.now() - 7200_000),
      );
      await writeFile(join(root, ".partial", "new.tmp"), "a write in progress");
      expect(await store.sweepIncompleteUploads(new Date(Date.now() - 3600_000))).toBe(1);
      expect(await readdir(join(root, ".partial"))).toEqual(["new.tmp"]);
      expect(await new Response(await store.get("a/b")).text()).toBe("ok");
      expect(await createFsBlobStore({ root: join(root, "empty") }).sweepIncompleteUploads(new Date())).toBe(
        0,
      );
    } finally {
      await cleanup();
    }
  });

  test("the temp directory is reserved and never listed", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = createFsBlobStore({ root });
      await store.put("x", "1");
      await expect(store.put(".partial/x", "1")).rejects.toBeInstanceOf(InvalidError);
      const keys: string[] = [];
      for await (const key of store.list("")) keys.push(key);
      expect(keys).toEqual(["x"]);
    } finally {
      await cleanup();
    }
  });

  test("a symlink cannot lead reads or writes outside the root", async () => {
    const { root, cleanup } = await tempRoot();
    const outside = await tempRoot();
    try {
      await writeFile(join(outside.root, "secret"), "top secret");
      await mkdir(join(root, "store"), { recursive: true });
      await symlink(outside.root, join(root, "store", "escape"));
      const store = createFsBlobStore({ root: join(root, "store") });
      await expect(store.get("escape/secret")).rejects.toBeInstanceOf(InvalidError);
      await expect(store.head("escape/secret")).rejects.toBeInstanceOf(InvalidError);
      await expect(store.put("escape/new", "x")).rejects.toBeInstanceOf(InvalidError);
      await expect(store.delete("escape/secret")).rejects.toBeInstanceOf(InvalidError);
      const listing = async () => {
        for await (const key of store.list("escape/")) return key;
        return undefined;
      };
      await expect(listing()).rejects.toBeInstanceOf(InvalidError);
      const all: string[] = [];
      for await (const key of store.list("")) all.push(key);
      expect(all).toEqual([]);
      expect(await readdir(outside.root)).toEqual(["secret"]);
    } finally {
      await cleanup();
      await outside.cleanup();
    }
  });

  test("deleting the last key under a prefix prunes empty directories", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = createFsBlobStore({ root });
      await store.put("p/q/r", "1");
      await store.put("p/s", "1");
      await store.delete("p/q/r");
      expect((await readdir(join(root, "p"))).sort()).toEqual(["s"]);
    } finally {
      await cleanup();
    }
  });

  test("an object and a prefix of the same name conflict", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const store = createFsBlobStore({ root });
      await store.put("a/b", "1");
      await expect(store.put("a", "x")).rejects.toBeInstanceOf(ConflictError);
      await expect(store.put("a/b/c", "x")).rejects.toBeInstanceOf(ConflictError);
      expect(await store.head("a")).toBeUndefined();
    } finally {
      await cleanup();
    }
  });

  test("ping fails with UnavailableError when the root cannot be used", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      await writeFile(join(root, "file"), "not a directory");
      await expect(createFsBlobStore({ root: join(root, "file", "blobs") }).ping()).rejects.toBeInstanceOf(
        UnavailableError,
      );
    } finally {
      await cleanup();
    }
  });
});
