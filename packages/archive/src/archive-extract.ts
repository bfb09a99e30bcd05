/** Extraction of configuration archives (the runner), with every check of the scanner. */
import { constants as fsConstants } from "node:fs";
import { type FileHandle, link, lstat, mkdir, open, readdir, realpath, symlink } from "node:fs/promises";
import { join, sep } from "node:path";
import {
  type ArchiveEntry,
  type ArchiveLimits,
  type ArchiveSummary,
  defaultArchiveLimits,
  InvalidArchiveError,
} from "./archive-model.ts";
import { scanStream } from "./archive-scan.ts";

const writeFlags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
const dirFlags = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW;

/** Permission bits only (no setuid, setgid or sticky), and the owner can always read and write. */
const fileMode = (mode: number) => (mode & 0o777) | 0o600;
const dirMode = (mode: number) => (mode & 0o777) | 0o700;

function errnoOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}

/** One extraction under way: the tree written so far, and what is left for after the last entry. */
type Extraction = {
  /** The real path of the destination directory. */
  root: string;
  knownDirs: Set<string>;
  dirModes: Map<string, number>;
  symlinks: { path: readonly string[]; target: string }[];
};

const abs = (x: Extraction, segments: readonly string[]) => join(x.root, ...segments);

/**
 * Extracts an archive into `destDir` (created 0700 when missing; it must be empty), with every check of
 * {@link inspectArchive}. Files are created exclusively without following links, with their permission
 * bits (never setuid/setgid). Symlinks are created last, after all files, so no write can go through
 * one, and each is verified to resolve inside `destDir`. Hard links point at earlier files only. On
 * failure `destDir` holds a partial tree: the caller removes it.
 */
export async function extractArchive(
  stream: AsyncIterable<Uint8Array>,
  destDir: string,
  limits: ArchiveLimits = defaultArchiveLimits,
): Promise<ArchiveSummary> {
  await mkdir(destDir, { recursive: true, mode: 0o700 });
  const root = await realpath(destDir);
  if ((await readdir(root)).length > 0) throw new Error(`extraction directory ${root} is not empty`);

  const x: Extraction = { root, knownDirs: new Set<string>([""]), dirModes: new Map(), symlinks: [] };
  const summary = await scanStream(stream, limits, (entry, body) => writeEntry(x, entry, body));
  await createSymlinks(x);
  await applyDirModes(x);
  return summary;
}

/** Creates the directories of `segments` one by one; an existing component must be a real directory. */
async function ensureDir(x: Extraction, segments: readonly string[]): Promise<void> {
  for (let i = 1; i <= segments.length; i++) {
    const key = segments.slice(0, i).join("/");
    if (x.knownDirs.has(key)) continue;
    const path = abs(x, segments.slice(0, i));
    try {
      await mkdir(path, { mode: 0o700 });
    } catch (err) {
      if (errnoOf(err) !== "EEXIST") throw err;
      const stat = await lstat(path);
      if (!stat.isDirectory()) {
        throw new InvalidArchiveError("path-conflict", "a parent path is not a directory", key);
      }
    }
    x.knownDirs.add(key);
  }
}

async function writeFile(
  x: Extraction,
  path: readonly string[],
  mode: number,
  body: AsyncIterable<Uint8Array>,
): Promise<void> {
  await ensureDir(x, path.slice(0, -1));
  let handle: FileHandle | undefined;
  try {
    handle = await open(abs(x, path), writeFlags, 0o600);
    for await (const chunk of body) {
      for (let offset = 0; offset < chunk.byteLength; ) {
        offset += (await handle.write(chunk, offset)).bytesWritten;
      }
    }
    await handle.chmod(fileMode(mode));
  } finally {
    await handle?.close();
  }
}

/** Writes one checked entry; symlinks are only remembered, for after the last entry. */
async function writeEntry(
  x: Extraction,
  entry: ArchiveEntry,
  body: AsyncIterable<Uint8Array>,
): Promise<void> {
  switch (entry.kind) {
    case "directory":
      await ensureDir(x, entry.path);
      x.dirModes.set(entry.path.join("/"), dirMode(entry.mode));
      return;
    case "file":
      await writeFile(x, entry.path, entry.mode, body);
      return;
    case "link": {
      await ensureDir(x, entry.path.slice(0, -1));
      const target = abs(x, entry.target);
      if (!(await lstat(target)).isFile()) {
        throw new InvalidArchiveError(
          "hard-link-target",
          "hard link target is not a file",
          entry.path.join("/"),
        );
      }
      await link(target, abs(x, entry.path));
      return;
    }
    case "symlink":
      x.symlinks.push({ path: entry.path, target: entry.target });
      return;
  }
}

async function createSymlinks(x: Extraction): Promise<void> {
  for (const { path, target } of x.symlinks) {
    await ensureDir(x, path.slice(0, -1));
    await symlink(target, abs(x, path));
  }
  // Defence in depth: the scanner already resolved every link inside the archive's own tree.
  for (const { path } of x.symlinks) {
    let resolved: string;
    try {
      resolved = await realpath(abs(x, path));
    } catch (err) {
      if (errnoOf(err) === "ENOENT") continue;
      throw new InvalidArchiveError("symlink-loop", "symlink does not resolve", path.join("/"));
    }
    if (resolved !== x.root && !resolved.startsWith(x.root + sep)) {
      throw new InvalidArchiveError("link-escape", "symlink resolves outside the archive", path.join("/"));
    }
  }
}

/** Directory modes go last, deepest first: a restrictive mode never blocks a write or a directory below it. */
async function applyDirModes(x: Extraction): Promise<void> {
  const deepestFirst = [...x.dirModes].sort(([a], [b]) => b.split("/").length - a.split("/").length);
  for (const [key, mode] of deepestFirst) {
    const handle = await open(abs(x, key.split("/")), dirFlags);
    try {
      await handle.chmod(mode);
    } finally {
      await handle.close();
    }
  }
}
