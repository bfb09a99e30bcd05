/** The writing side of the fs blob store (see fs-blob-store.ts): `put` and `delete`. */
import { randomUUID } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ConflictError, InternalError, TerrapodError, TooLargeError } from "@terrapod/kernel";
import type { BlobBody, BlobMeta, PutOptions } from "./blob-store.ts";
import { bodyToStream, checkMaxBytes, precheckSize, readChunks } from "./body.ts";
import { errnoOf, fsCall, isMissing, mapFsError, messageOf } from "./fs-blob-errors.ts";
import {
  assertRealInside,
  type FsState,
  isInside,
  partialDir,
  pathFor,
  rootRealPath,
} from "./fs-blob-paths.ts";

export async function putBlob(
  state: FsState,
  key: string,
  body: BlobBody,
  opts: PutOptions | undefined,
): Promise<BlobMeta> {
  const target = pathFor(state, key);
  const maxBytes = checkMaxBytes(opts?.maxBytes);
  precheckSize(`blob ${key}`, body, maxBytes);
  const tempDir = join(await fsCall(rootRealPath(state), "creating the store root"), partialDir);
  await fsCall(mkdir(tempDir, { recursive: true }), "creating the temp directory");
  const temp = join(tempDir, `${randomUUID()}.tmp`);
  const handle = await fsCall(open(temp, "wx", 0o600), `creating a temp file for ${key}`);
  let size = 0;
  let written = false;
  try {
    for await (const chunk of readBody(body, key)) {
      size += chunk.byteLength;
      if (maxBytes !== undefined && size > maxBytes) throw new TooLargeError(`blob ${key}`, maxBytes);
      await fsCall(writeAll(handle, chunk), `writing blob ${key}`);
    }
    await fsCall(handle.sync(), `syncing blob ${key}`);
    written = true;
  } finally {
    await handle.close();
    if (!written) await rm(temp, { force: true });
  }
  try {
    await moveIntoPlace(state, temp, target, key);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const contentType = opts?.contentType;
  return contentType === undefined ? { size } : { size, contentType };
}

async function moveIntoPlace(state: FsState, temp: string, target: string, key: string): Promise<void> {
  const parent = dirname(target);
  // A concurrent delete may prune the parent directory between mkdir and rename; try again then.
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(parent, { recursive: true });
      await assertRealInside(state, parent, key, true);
      await rename(temp, target);
      await syncDirectory(parent);
      return;
    } catch (err) {
      if (err instanceof TerrapodError) throw err;
      if (errnoOf(err) === "ENOENT" && attempt < 5) continue;
      if (["EEXIST", "ENOTDIR", "EISDIR", "ENOTEMPTY"].includes(errnoOf(err) ?? "")) {
        throw new ConflictError(`blob key "${key}" conflicts with an existing key`, { key });
      }
      throw mapFsError(err, `storing blob ${key}`);
    }
  }
}

export async function deleteBlob(state: FsState, key: string): Promise<void> {
  const path = pathFor(state, key);
  try {
    await assertRealInside(state, dirname(path), key, true);
    await unlink(path);
  } catch (err) {
    if (err instanceof TerrapodError) throw err;
    if (isMissing(err)) return;
    // A "directory" key names no object, so there is nothing to delete (Linux says EISDIR, macOS EPERM).
    if ((errnoOf(err) === "EISDIR" || errnoOf(err) === "EPERM") && (await isDirectory(path))) return;
    throw mapFsError(err, `deleting blob ${key}`);
  }
  await pruneEmptyParents(state, dirname(path));
}

/**
 * Deletes temp files of writes that never finished (a process killed mid-put) last modified before
 * `olderThan`; a running write keeps touching its file, so it is never taken.
 */
export async function sweepPartials(state: FsState, olderThan: Date): Promise<number> {
  const dir = join(state.root, partialDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return 0;
    throw mapFsError(err, "listing incomplete writes");
  }
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile() || info.mtimeMs >= olderThan.getTime()) continue;
    await rm(path, { force: true });
    removed += 1;
  }
  return removed;
}

/** Removes now-empty directories up to (not including) the root, so deleted prefixes leave no litter. */
async function pruneEmptyParents(state: FsState, from: string): Promise<void> {
  const { root } = state;
  for (let dir = from; dir !== root && isInside(root, dir); dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch (err) {
      // Not empty (or already gone, or raced by a writer): stop pruning here.
      if (["ENOTEMPTY", "EEXIST", "ENOENT", "EBUSY"].includes(errnoOf(err) ?? "")) return;
      throw mapFsError(err, `pruning ${dir}`);
    }
  }
}

/** Reads the caller's body; its failures are the caller's, so TerrapodErrors pass through unchanged. */
async function* readBody(body: BlobBody, key: string): AsyncGenerator<Uint8Array> {
  const chunks = readChunks(bodyToStream(body));
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (err) {
        if (err instanceof TerrapodError) throw err;
        throw new InternalError(`reading the body for blob ${key} failed: ${messageOf(err)}`, { cause: err });
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Cancels the body stream when the writer stops early (a no-op once it has been read to the end).
    await chunks.return(undefined);
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return false;
    throw mapFsError(err, `inspecting ${path}`);
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let at = 0;
  while (at < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, at, chunk.byteLength - at);
    at += bytesWritten;
  }
}

/** fsync a directory so a rename survives a crash; filesystems that refuse it are skipped. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (err) {
    if (!["EISDIR", "EINVAL", "EPERM", "EACCES", "EBADF"].includes(errnoOf(err) ?? "")) throw err;
  } finally {
    await handle?.close();
  }
}
