import type { FileHandle } from "node:fs/promises";
import { access, constants, open, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InvalidError, UnavailableError } from "@terrapod/kernel";
import type { BlobMeta, BlobStore } from "./blob-store.ts";
import { checkRange, ignore } from "./body.ts";
import { fsCall, isMissing, mapFsError, messageOf } from "./fs-blob-errors.ts";
import {
  assertRealInside,
  existing,
  type FsState,
  isInside,
  partialDir,
  rootRealPath,
} from "./fs-blob-paths.ts";
import { deleteBlob, putBlob, sweepPartials } from "./fs-blob-write.ts";
import { assertValidPrefix, compareKeys } from "./keys.ts";

export type FsBlobStoreConfig = {
  /** Directory holding the objects; created on first write. */
  readonly root: string;
};

const readChunkBytes = 64 * 1024;

/**
 * A BlobStore on a local directory (the embedded server, single-node installs).
 *
 * - `put` streams into `<root>/.partial/<uuid>`, fsyncs it and renames it over the target, so readers
 *   see the old object or the new one, never a mix; a failed or oversized write removes its temp file.
 * - A reader holds an open file descriptor, so an object replaced or deleted mid-read still streams the
 *   content it started with.
 * - Paths are checked twice: lexically after key validation, and by `realpath` (a symlink inside the
 *   root must not lead out of it).
 * - Content types are not persisted: `head` reports only the size.
 * - A key cannot be both an object and a "directory" (`a` and `a/b`); that put fails with ConflictError.
 * - Temp files a killed process left in `.partial` are deleted by `sweepIncompleteUploads`.
 */
export function createFsBlobStore(config: FsBlobStoreConfig): BlobStore {
  const state: FsState = { root: resolve(config.root), realRoot: undefined };
  return {
    put: (key, body, opts) => putBlob(state, key, body, opts),
    get: (key) => getBlob(state, key),
    getRange: (key, offset, length) => getBlobRange(state, key, offset, length),
    head: (key) => headBlob(state, key),
    delete: (key) => deleteBlob(state, key),
    list: (prefix) => listBlobs(state, prefix),
    ping: () => pingRoot(state),
    sweepIncompleteUploads: (olderThan) => sweepPartials(state, olderThan),
  };
}

async function getBlob(state: FsState, key: string): Promise<ReadableStream<Uint8Array> | undefined> {
  const handle = await openObject(state, key);
  return handle && fileStream(handle, key);
}

async function openObject(state: FsState, key: string): Promise<FileHandle | undefined> {
  const path = await existing(state, key);
  if (path === undefined) return undefined;
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw mapFsError(err, `opening blob ${key}`);
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    return undefined;
  }
  return handle;
}

async function getBlobRange(
  state: FsState,
  key: string,
  offset: number,
  length: number,
): Promise<Uint8Array | undefined> {
  checkRange(offset, length);
  const handle = await openObject(state, key);
  if (!handle) return undefined;
  try {
    const { size } = await handle.stat();
    const want = Math.max(0, Math.min(length, size - offset));
    const out = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await fsCall(
        handle.read(out, got, want - got, offset + got),
        `reading blob ${key}`,
      );
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === want ? out : out.subarray(0, got);
  } finally {
    await handle.close();
  }
}

async function headBlob(state: FsState, key: string): Promise<BlobMeta | undefined> {
  const path = await existing(state, key);
  if (path === undefined) return undefined;
  try {
    const info = await stat(path);
    return info.isFile() ? { size: info.size } : undefined;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw mapFsError(err, `reading metadata of blob ${key}`);
  }
}

async function* listBlobs(state: FsState, prefix: string): AsyncGenerator<string> {
  const { root } = state;
  assertValidPrefix(prefix);
  const slash = prefix.lastIndexOf("/");
  const dirKey = slash >= 0 ? prefix.slice(0, slash) : "";
  const namePrefix = prefix.slice(slash + 1);
  if (dirKey.split("/")[0] === partialDir) return;
  const startDir = dirKey === "" ? root : resolve(root, ...dirKey.split("/"));
  if (!isInside(root, startDir) && startDir !== root) {
    throw new InvalidError(`list prefix "${prefix}" escapes the store root`, "key");
  }
  try {
    await assertRealInside(state, startDir, prefix, true);
  } catch (err) {
    if (isMissing(err)) return;
    throw mapFsError(err, `listing ${prefix}`);
  }
  yield* walk(state, startDir, dirKey === "" ? "" : `${dirKey}/`, namePrefix);
}

/**
 * Depth-first walk in key order. A directory sorts as `name/`, so its keys come out exactly where
 * they belong among sibling files (`a-b` < `a/…` < `a0`).
 */
async function* walk(
  state: FsState,
  dir: string,
  keyPrefix: string,
  namePrefix: string,
): AsyncGenerator<string> {
  let names: { name: string; isDir: boolean; sortKey: string }[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => e.name.startsWith(namePrefix) && (e.isFile() || e.isDirectory()))
      .filter((e) => !(dir === state.root && e.name === partialDir))
      .map((e) => ({
        name: e.name,
        isDir: e.isDirectory(),
        sortKey: e.isDirectory() ? `${e.name}/` : e.name,
      }))
      .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
  } catch (err) {
    if (isMissing(err)) return;
    throw mapFsError(err, `listing ${dir}`);
  }
  for (const entry of names) {
    if (entry.isDir) yield* walk(state, join(dir, entry.name), `${keyPrefix}${entry.name}/`, "");
    else yield `${keyPrefix}${entry.name}`;
  }
}

async function pingRoot(state: FsState): Promise<void> {
  try {
    await rootRealPath(state);
    await access(state.root, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw new UnavailableError(`blob directory ${state.root} is not usable: ${messageOf(err)}`, {
      cause: err,
      dependency: "storage",
    });
  }
}

function fileStream(handle: FileHandle, key: string): ReadableStream<Uint8Array> {
  let position = 0;
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buffer = new Uint8Array(readChunkBytes);
        const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        position += bytesRead;
        controller.enqueue(bytesRead === buffer.byteLength ? buffer : buffer.subarray(0, bytesRead));
      } catch (err) {
        // The read error is what the consumer needs to see; a failing close adds nothing to it.
        await close().catch(ignore);
        controller.error(mapFsError(err, `reading blob ${key}`));
      }
    },
    async cancel() {
      await close();
    },
  });
}
