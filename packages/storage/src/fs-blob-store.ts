import { randomUUID } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import {
  access,
  constants,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import {
  ConflictError,
  InternalError,
  InvalidError,
  TerrapodError,
  TooLargeError,
  UnavailableError,
} from "@terrapod/kernel";
import type { BlobBody, BlobMeta, BlobStore, PutOptions } from "./blob-store.ts";
import { bodyToStream, checkMaxBytes, checkRange, ignore, precheckSize, readChunks } from "./body.ts";
import { assertValidKey, assertValidPrefix, compareKeys } from "./keys.ts";

export type FsBlobStoreConfig = {
  /** Directory holding the objects; created on first write. */
  readonly root: string;
};

/**
 * Directory under the root for in-flight writes. It lives on the same filesystem as the objects, so
 * the final rename is atomic; keys may not start with it and `list` never shows it.
 */
const partialDir = ".partial";
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
 */
export function createFsBlobStore(config: FsBlobStoreConfig): BlobStore {
  const root = resolve(config.root);
  let realRoot: string | undefined;

  async function rootRealPath(): Promise<string> {
    if (realRoot === undefined) {
      await mkdir(root, { recursive: true });
      realRoot = await realpath(root);
    }
    return realRoot;
  }

  function pathFor(key: string): string {
    assertValidKey(key);
    const segments = key.split("/");
    if (segments[0] === partialDir) throw new InvalidError(`blob key "${key}" uses a reserved name`, "key");
    const path = resolve(root, ...segments);
    if (!isInside(root, path)) throw new InvalidError(`blob key "${key}" escapes the store root`, "key");
    return path;
  }

  /**
   * Throws InvalidError when the real location of `path` (which must exist) lies outside the root; a
   * directory (`allowRoot`) may be the root itself.
   */
  async function assertRealInside(path: string, key: string, allowRoot = false): Promise<string> {
    const real = await realpath(path);
    const base = await rootRealPath();
    if (!(isInside(base, real) || (allowRoot && real === base))) {
      throw new InvalidError(`blob key "${key}" resolves outside the store root`, "key");
    }
    return real;
  }

  /** The real path of an existing object, or undefined when it does not exist. */
  async function existing(key: string): Promise<string | undefined> {
    const path = pathFor(key);
    try {
      return await assertRealInside(path, key);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw mapFsError(err, `resolving blob ${key}`);
    }
  }

  async function put(key: string, body: BlobBody, opts?: PutOptions): Promise<BlobMeta> {
    const target = pathFor(key);
    const maxBytes = checkMaxBytes(opts?.maxBytes);
    precheckSize(`blob ${key}`, body, maxBytes);
    const tempDir = join(await fsCall(rootRealPath(), "creating the store root"), partialDir);
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
      await moveIntoPlace(temp, target, key);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    const contentType = opts?.contentType;
    return contentType === undefined ? { size } : { size, contentType };
  }

  async function moveIntoPlace(temp: string, target: string, key: string): Promise<void> {
    const parent = dirname(target);
    // A concurrent delete may prune the parent directory between mkdir and rename; try again then.
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(parent, { recursive: true });
        await assertRealInside(parent, key, true);
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

  async function get(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const handle = await openObject(key);
    return handle && fileStream(handle, key);
  }

  async function openObject(key: string): Promise<FileHandle | undefined> {
    const path = await existing(key);
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

  async function getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    checkRange(offset, length);
    const handle = await openObject(key);
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

  async function head(key: string): Promise<BlobMeta | undefined> {
    const path = await existing(key);
    if (path === undefined) return undefined;
    try {
      const info = await stat(path);
      return info.isFile() ? { size: info.size } : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw mapFsError(err, `reading metadata of blob ${key}`);
    }
  }

  async function del(key: string): Promise<void> {
    const path = pathFor(key);
    try {
      await assertRealInside(dirname(path), key, true);
      await unlink(path);
    } catch (err) {
      if (err instanceof TerrapodError) throw err;
      if (isMissing(err)) return;
      // A "directory" key names no object, so there is nothing to delete (Linux says EISDIR, macOS EPERM).
      if ((errnoOf(err) === "EISDIR" || errnoOf(err) === "EPERM") && (await isDirectory(path))) return;
      throw mapFsError(err, `deleting blob ${key}`);
    }
    await pruneEmptyParents(dirname(path));
  }

  /** Removes now-empty directories up to (not including) the root, so deleted prefixes leave no litter. */
  async function pruneEmptyParents(from: string): Promise<void> {
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

  async function* list(prefix: string): AsyncGenerator<string> {
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
      await assertRealInside(startDir, prefix, true);
    } catch (err) {
      if (isMissing(err)) return;
      throw mapFsError(err, `listing ${prefix}`);
    }
    yield* walk(startDir, dirKey === "" ? "" : `${dirKey}/`, namePrefix);
  }

  /**
   * Depth-first walk in key order. A directory sorts as `name/`, so its keys come out exactly where
   * they belong among sibling files (`a-b` < `a/…` < `a0`).
   */
  async function* walk(dir: string, keyPrefix: string, namePrefix: string): AsyncGenerator<string> {
    let names: { name: string; isDir: boolean; sortKey: string }[];
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      names = entries
        .filter((e) => e.name.startsWith(namePrefix) && (e.isFile() || e.isDirectory()))
        .filter((e) => !(dir === root && e.name === partialDir))
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
      if (entry.isDir) yield* walk(join(dir, entry.name), `${keyPrefix}${entry.name}/`, "");
      else yield `${keyPrefix}${entry.name}`;
    }
  }

  async function ping(): Promise<void> {
    try {
      await rootRealPath();
      await access(root, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw new UnavailableError(`blob directory ${root} is not usable: ${messageOf(err)}`, { cause: err });
    }
  }

  return { put, get, getRange, head, delete: del, list, ping };
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

async function fsCall<T>(promise: Promise<T>, what: string): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw mapFsError(err, what);
  }
}

/** True when `child` lies strictly below `parent` (both absolute and normalized). */
function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function errnoOf(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string")
    return err.code;
  return undefined;
}

function isMissing(err: unknown): boolean {
  const code = errnoOf(err);
  return code === "ENOENT" || code === "ENOTDIR";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Filesystem failures: out of space / I/O / permissions mean the store is unusable, anything else is a bug. */
function mapFsError(err: unknown, what: string): TerrapodError {
  if (err instanceof TerrapodError) return err;
  const code = errnoOf(err);
  const message = `${what} failed: ${messageOf(err)}`;
  if (
    code !== undefined &&
    ["ENOSPC", "EDQUOT", "EIO", "EROFS", "EACCES", "EPERM", "EMFILE", "ENFILE"].includes(code)
  ) {
    return new UnavailableError(message, { cause: err });
  }
  return new InternalError(message, { cause: err });
}
