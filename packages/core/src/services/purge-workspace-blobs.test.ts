import { describe, expect, test } from "bun:test";
import { purgeWorkspaceBlobs, workspaceBlobPrefixes } from "./purge-workspace-blobs.ts";

/** A blob store holding only keys (list by prefix, delete). */
function keyStore(keys: string[]) {
  const held = new Set(keys);
  return {
    held,
    async *list(prefix: string) {
      for (const k of [...held].sort()) if (k.startsWith(prefix)) yield k;
    },
    async delete(key: string) {
      held.delete(key);
    },
  };
}

describe("purging a deleted workspace's blobs", () => {
  test("removes its states, configurations, run logs and artifacts, and nothing of other workspaces", async () => {
    const ours = workspaceBlobPrefixes("ws-1").map((p) => `${p}x`);
    const theirs = workspaceBlobPrefixes("ws-2").map((p) => `${p}x`);
    const store = keyStore([...ours, ...theirs]);
    expect(await purgeWorkspaceBlobs(store, "ws-1")).toBe(ours.length);
    expect([...store.held].sort()).toEqual([...theirs].sort());
  });

  test("covers every kind of workspace blob", () => {
    const prefixes = workspaceBlobPrefixes("ws-1");
    expect(prefixes.length).toBe(4);
    expect(new Set(prefixes).size).toBe(4);
    for (const p of prefixes) expect(p).toContain("ws-1");
  });
});
