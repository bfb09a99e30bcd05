/**
 * Configuration archives ("slugs": gzipped tar in go-slug format). The server validates every upload
 * while streaming it into storage ({@link createArchiveInspector}); the runner extracts it
 * ({@link extractArchive}). Both go through the same scanner, so they accept exactly the same archives.
 *
 * Refused: absolute paths, `..` segments, backslashes, NUL bytes, symlinks and hard links that leave
 * the tree (also through chains of symlinks), entries below a symlink, duplicate paths, devices, FIFOs,
 * unknown entry types, and archives over the limits. Inflation stops as soon as a limit is crossed, so a
 * gzip bomb is never inflated in full. AppleDouble entries (`._*`) are skipped, like go-slug does.
 */
import { constants as fsConstants } from "node:fs";
import { type FileHandle, link, lstat, mkdir, open, readdir, realpath, symlink } from "node:fs/promises";
import { join, sep } from "node:path";
import { createGunzip } from "node:zlib";
import { InvalidError } from "@terrapod/kernel";
import { type Header, extract as tarExtract } from "tar-stream";
import {
  normalizeEntryPath,
  type PathProblem,
  resolveInTree,
  resolveLinkTarget,
  type TreeNode,
} from "./archive-paths.ts";

export type ArchiveLimits = Readonly<{
  /** Bytes of the tar.gz itself. */
  maxCompressedBytes: number;
  /** Bytes of the inflated tar stream (headers included): the gzip bomb guard. */
  maxUncompressedBytes: number;
  /** Entries of any kind, skipped ones included. */
  maxEntries: number;
  /** Size of one file. */
  maxFileBytes: number;
}>;

const mib = 1024 * 1024;

export const defaultArchiveLimits: ArchiveLimits = Object.freeze({
  maxCompressedBytes: 512 * mib,
  maxUncompressedBytes: 2048 * mib,
  maxEntries: 100_000,
  maxFileBytes: 512 * mib,
});

export type ArchiveSummary = Readonly<{
  /** Tar entries read (directories, files, links; skipped ones included). */
  entries: number;
  uncompressedBytes: number;
  compressedBytes: number;
}>;

export type ArchiveProblem =
  | "not-gzip"
  | "corrupt"
  | "truncated"
  | "compressed-too-large"
  | "uncompressed-too-large"
  | "file-too-large"
  | "too-many-entries"
  | "empty-path"
  | "nul-byte"
  | "backslash"
  | "absolute-path"
  | "parent-segment"
  | "path-too-long"
  | "link-escape"
  | "symlink-loop"
  | "hard-link-target"
  | "unsupported-type"
  | "duplicate-path"
  | "below-symlink"
  | "path-conflict";

/** A refused configuration archive: `problem` says why, `entry` names the entry when there is one. */
export class InvalidArchiveError extends InvalidError {
  readonly problem: ArchiveProblem;
  readonly entry: string | undefined;
  constructor(problem: ArchiveProblem, message: string, entry?: string) {
    super(
      entry === undefined
        ? `invalid configuration archive: ${message}`
        : `invalid configuration archive: entry ${JSON.stringify(entry)}: ${message}`,
      undefined,
      "invalid configuration archive",
    );
    this.problem = problem;
    this.entry = entry;
  }
}

/** An entry that passed every check, as the scanner hands it to a visitor. */
export type ArchiveEntry = Readonly<
  | { kind: "directory"; path: readonly string[]; mode: number }
  | { kind: "file"; path: readonly string[]; mode: number; size: number }
  /** `target` as written in the archive (relative to the link's directory). */
  | { kind: "symlink"; path: readonly string[]; target: string }
  /** `target` is the path (from the root) of an earlier file of the archive. */
  | { kind: "link"; path: readonly string[]; target: readonly string[] }
>;

type Visitor = (entry: ArchiveEntry, body: AsyncIterable<Uint8Array>) => Promise<void>;

// ---------------------------------------------------------------------------------------------------
// Header checks

const pathProblems: Record<PathProblem, [ArchiveProblem, string]> = {
  empty: ["empty-path", "empty path"],
  "nul-byte": ["nul-byte", "path contains a NUL byte"],
  backslash: ["backslash", "path contains a backslash"],
  absolute: ["absolute-path", "path is absolute"],
  "parent-segment": ["parent-segment", 'path contains a ".." segment'],
  "too-long": ["path-too-long", "path is too long"],
};

const linkProblems: Record<PathProblem, [ArchiveProblem, string]> = {
  empty: ["link-escape", "link has an empty target"],
  "nul-byte": ["nul-byte", "link target contains a NUL byte"],
  backslash: ["backslash", "link target contains a backslash"],
  absolute: ["link-escape", "link target is absolute"],
  "parent-segment": ["link-escape", "link target leaves the archive"],
  "too-long": ["path-too-long", "link target is too long"],
};

type NodeKind = "dir" | "file" | "symlink";

/** Everything the scanner remembers about the tree: enough to refuse duplicates and link tricks. */
class TreeIndex {
  readonly #nodes = new Map<string, NodeKind>();
  readonly #symlinks = new Map<string, string>();

  kindOf(segments: readonly string[]): NodeKind | undefined {
    return this.#nodes.get(segments.join("/"));
  }

  /** Checks that `segments` can be added as `kind`, marks its ancestors as directories, records it. */
  add(segments: readonly string[], kind: NodeKind, name: string): void {
    for (let i = 1; i < segments.length; i++) {
      const key = segments.slice(0, i).join("/");
      const existing = this.#nodes.get(key);
      if (existing === "symlink")
        throw new InvalidArchiveError("below-symlink", "path goes through a symlink", name);
      if (existing === "file")
        throw new InvalidArchiveError("path-conflict", "a parent path is a file", name);
      if (existing === undefined) this.#nodes.set(key, "dir");
    }
    const key = segments.join("/");
    const existing = this.#nodes.get(key);
    if (existing !== undefined && !(existing === "dir" && kind === "dir")) {
      throw new InvalidArchiveError("duplicate-path", "path appears more than once", name);
    }
    this.#nodes.set(key, kind);
  }

  addSymlink(segments: readonly string[], target: string, name: string): void {
    this.add(segments, "symlink", name);
    this.#symlinks.set(segments.join("/"), target);
  }

  /** Follows every symlink physically (chains included): each must stay inside and terminate. */
  checkSymlinks(): void {
    const lookup = (segments: readonly string[]): TreeNode | undefined => {
      const key = segments.join("/");
      const kind = this.#nodes.get(key);
      if (kind === undefined) return undefined;
      if (kind !== "symlink") return { kind };
      return { kind, target: this.#symlinks.get(key) ?? "" };
    };
    for (const key of this.#symlinks.keys()) {
      const resolved = resolveInTree(key.split("/"), lookup);
      if (resolved.ok) continue;
      if (resolved.problem === "loop") {
        throw new InvalidArchiveError("symlink-loop", "too many levels of symlinks", key);
      }
      throw new InvalidArchiveError("link-escape", "symlink resolves outside the archive", key);
    }
  }
}

function checkPath(name: string, problems: Record<PathProblem, [ArchiveProblem, string]>) {
  const normalized = normalizeEntryPath(name);
  if (!normalized.ok) {
    const [problem, message] = problems[normalized.problem];
    throw new InvalidArchiveError(problem, message, name);
  }
  return normalized.segments;
}

/** Validates one header against the tree so far; `undefined` means "skip this entry". */
function checkHeader(header: Header, tree: TreeIndex, limits: ArchiveLimits): ArchiveEntry | undefined {
  const name = header.name;
  const path = checkPath(name, pathProblems);
  const base = path.at(-1);
  // go-slug drops AppleDouble metadata files (and so do we, whatever their type).
  if (base?.startsWith("._")) return undefined;
  // The type field is null for typeflags tar-stream does not know (sparse files, volume headers...).
  const type: string | null = header.type;
  switch (type) {
    case "directory": {
      if (path.length === 0) return undefined;
      tree.add(path, "dir", name);
      return { kind: "directory", path, mode: header.mode };
    }
    case "file":
    case "contiguous-file": {
      if (path.length === 0) throw new InvalidArchiveError("empty-path", "file has an empty path", name);
      if (header.size > limits.maxFileBytes) {
        throw new InvalidArchiveError(
          "file-too-large",
          `file is ${header.size} bytes, over the limit of ${limits.maxFileBytes}`,
          name,
        );
      }
      tree.add(path, "file", name);
      return { kind: "file", path, mode: header.mode, size: header.size };
    }
    case "symlink": {
      if (path.length === 0) throw new InvalidArchiveError("empty-path", "symlink has an empty path", name);
      const target = header.linkname ?? "";
      const resolved = resolveLinkTarget(path, target);
      if (!resolved.ok) {
        const [problem, message] = linkProblems[resolved.problem];
        throw new InvalidArchiveError(problem, `${message} (${JSON.stringify(target)})`, name);
      }
      tree.addSymlink(path, target, name);
      return { kind: "symlink", path, target };
    }
    case "link": {
      if (path.length === 0) throw new InvalidArchiveError("empty-path", "hard link has an empty path", name);
      const targetName = header.linkname ?? "";
      const normalized = normalizeEntryPath(targetName);
      if (!normalized.ok) {
        const [problem, message] = linkProblems[normalized.problem];
        throw new InvalidArchiveError(problem, `${message} (${JSON.stringify(targetName)})`, name);
      }
      const target = normalized.segments;
      if (target.length === 0 || tree.kindOf(target) !== "file") {
        throw new InvalidArchiveError(
          "hard-link-target",
          `hard link target ${JSON.stringify(targetName)} is not an earlier file of the archive`,
          name,
        );
      }
      tree.add(path, "file", name);
      return { kind: "link", path, target };
    }
    case "character-device":
    case "block-device":
    case "fifo":
      throw new InvalidArchiveError("unsupported-type", `${type} entries are not allowed`, name);
    default:
      throw new InvalidArchiveError("unsupported-type", "unsupported entry type", name);
  }
}

// ---------------------------------------------------------------------------------------------------
// The scanner: compressed bytes in (push), validated entries out (to an optional visitor)

/** Compressed bytes are fed to zlib in slices of at most this size, bounding what one write inflates. */
const sliceBytes = 64 * 1024;

type Scan = {
  /** Feeds compressed bytes; resolves once zlib accepted them (backpressure), rejects once refused. */
  write(chunk: Uint8Array): Promise<void>;
  /** No more input: resolves with the summary once every entry was checked. */
  end(): Promise<ArchiveSummary>;
  /** Stops everything (the source failed or went away). */
  abort(reason: Error): void;
  /** Settles like `end()`; already observed, so an unawaited failure is never unhandled. */
  readonly done: Promise<ArchiveSummary>;
};

function mapTarError(err: unknown): Error {
  if (err instanceof InvalidArchiveError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes("Unexpected end of data")) {
    return new InvalidArchiveError("truncated", "the tar stream ends in the middle of an entry");
  }
  if (message.includes("Invalid tar header") || message.includes("Invalid header")) {
    return new InvalidArchiveError("corrupt", "not a tar archive, or a corrupt tar header");
  }
  if (message.includes("Header exceeds max size")) {
    return new InvalidArchiveError("corrupt", "an extended (PAX/GNU) header is too large");
  }
  return err instanceof Error ? err : new Error(message);
}

function mapZlibError(err: Error & { code?: string }): InvalidArchiveError {
  if (err.code === "Z_BUF_ERROR" || err.message.includes("unexpected end of file")) {
    return new InvalidArchiveError("truncated", "the gzip stream is truncated");
  }
  return new InvalidArchiveError("corrupt", `corrupt gzip data (${err.message})`);
}

function startScan(limits: ArchiveLimits, visit?: Visitor): Scan {
  const gunzip = createGunzip();
  const tar = tarExtract();
  let failure: Error | undefined;
  let compressedBytes = 0;
  let uncompressedBytes = 0;
  let declaredBytes = 0;
  let entries = 0;
  let magic = new Uint8Array(0);

  const fail = (err: Error) => {
    if (failure) return;
    failure = err;
    gunzip.destroy();
    tar.destroy(err);
  };

  gunzip.on("data", (chunk: Uint8Array) => {
    if (failure) return;
    uncompressedBytes += chunk.byteLength;
    if (uncompressedBytes > limits.maxUncompressedBytes) {
      fail(
        new InvalidArchiveError(
          "uncompressed-too-large",
          `the archive inflates to more than ${limits.maxUncompressedBytes} bytes`,
        ),
      );
      return;
    }
    if (!tar.write(chunk)) gunzip.pause();
  });
  tar.on("drain", () => gunzip.resume());
  gunzip.on("end", () => {
    if (!failure) tar.end(undefined);
  });
  gunzip.on("error", (err: Error) => fail(mapZlibError(err)));

  // The tar parser's own error: an entry body being read when it fails only says "destroyed".
  let tarError: unknown;
  tar.on("error", (err: unknown) => {
    tarError ??= err;
  });
  const tarClosed = new Promise<void>((resolve) => tar.once("close", () => resolve()));

  const consume = async (): Promise<ArchiveSummary> => {
    const tree = new TreeIndex();
    try {
      for await (const source of tar) {
        if (failure) throw failure;
        entries += 1;
        if (entries > limits.maxEntries) {
          throw new InvalidArchiveError("too-many-entries", `more than ${limits.maxEntries} entries`);
        }
        const entry = checkHeader(source.header, tree, limits);
        if (entry?.kind === "file") {
          declaredBytes += entry.size;
          if (declaredBytes > limits.maxUncompressedBytes) {
            throw new InvalidArchiveError(
              "uncompressed-too-large",
              `the files add up to more than ${limits.maxUncompressedBytes} bytes`,
              source.header.name,
            );
          }
        }
        if (entry && visit) await visit(entry, bytesOf(source));
        await drain(source);
      }
      if (failure) throw failure;
      tree.checkSymlinks();
    } catch (err) {
      if (!failure && tarError === undefined && tar.destroying) await tarClosed;
      fail(failure ?? mapTarError(tarError ?? err));
    }
    if (failure) throw failure;
    return { entries, uncompressedBytes, compressedBytes };
  };
  const done = consume();
  done.catch(() => undefined);

  const waitForDrain = () =>
    new Promise<void>((resolve) => {
      const settle = () => {
        gunzip.off("drain", settle);
        gunzip.off("close", settle);
        gunzip.off("error", settle);
        resolve();
      };
      gunzip.on("drain", settle);
      gunzip.on("close", settle);
      gunzip.on("error", settle);
    });

  const checkMagic = (chunk: Uint8Array) => {
    if (magic.byteLength >= 2) return;
    const joined = new Uint8Array(magic.byteLength + Math.min(chunk.byteLength, 2));
    joined.set(magic);
    joined.set(chunk.subarray(0, 2 - magic.byteLength), magic.byteLength);
    magic = joined.subarray(0, 2);
    if (magic[0] !== 0x1f || (magic.byteLength === 2 && magic[1] !== 0x8b)) {
      throw new InvalidArchiveError("not-gzip", "not a gzip stream");
    }
  };

  return {
    done,
    async write(chunk) {
      if (failure) throw failure;
      if (chunk.byteLength === 0) return;
      compressedBytes += chunk.byteLength;
      try {
        if (compressedBytes > limits.maxCompressedBytes) {
          throw new InvalidArchiveError(
            "compressed-too-large",
            `the archive is larger than ${limits.maxCompressedBytes} bytes`,
          );
        }
        checkMagic(chunk);
      } catch (err) {
        fail(err as Error);
        throw err;
      }
      for (let offset = 0; offset < chunk.byteLength && !failure; offset += sliceBytes) {
        if (!gunzip.write(chunk.subarray(offset, offset + sliceBytes))) await waitForDrain();
      }
      if (failure) throw failure;
    },
    async end() {
      if (!failure && magic.byteLength < 2) fail(new InvalidArchiveError("not-gzip", "not a gzip stream"));
      if (!failure) gunzip.end();
      return done;
    },
    abort(reason) {
      fail(reason);
    },
  };
}

async function* bytesOf(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array)) throw new Error("tar entry yielded a non-byte chunk");
    yield chunk;
  }
}

async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of source) {
    // discard what the visitor did not read
  }
}

async function scanStream(
  stream: AsyncIterable<Uint8Array>,
  limits: ArchiveLimits,
  visit?: Visitor,
): Promise<ArchiveSummary> {
  const scan = startScan(limits, visit);
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      await scan.write(next.value);
    }
  } catch (err) {
    scan.abort(err instanceof Error ? err : new Error(String(err)));
    // Stop reading the source (an HTTP body, a file): a refused archive is not read to its end.
    await iterator.return?.().catch(() => undefined);
    return scan.done;
  }
  return scan.end();
}

// ---------------------------------------------------------------------------------------------------
// Public: validation

/** Reads a whole archive and validates it (without writing anything). */
export function inspectArchive(
  stream: AsyncIterable<Uint8Array>,
  limits: ArchiveLimits = defaultArchiveLimits,
): Promise<ArchiveSummary> {
  return scanStream(stream, limits);
}

export type ArchiveInspection = {
  /** The same bytes as the input, for storage. Errors (instead of closing) if the archive is refused. */
  readonly output: ReadableStream<Uint8Array>;
  /** Resolves when the archive was read to its end and is safe; rejects with InvalidArchiveError. */
  readonly verdict: Promise<ArchiveSummary>;
};

/**
 * Returns a function that validates an upload while it streams past: pipe `output` into storage and
 * await `verdict`. Bytes flow through only as fast as they are validated (no buffering of the archive);
 * `output` ends only after the verdict, and errors with it when the archive is refused. Cancelling
 * `output` cancels the input and rejects the verdict with the cancel reason.
 */
export function createArchiveInspector(
  limits: ArchiveLimits = defaultArchiveLimits,
): (body: ReadableStream<Uint8Array>) => ArchiveInspection {
  return (body) => {
    const scan = startScan(limits);
    const reader = body.getReader();
    let settled = false;
    const output = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          scan.done.catch((err: unknown) => {
            if (settled) return;
            settled = true;
            controller.error(err);
            reader.cancel(err).catch(() => undefined);
          });
        },
        async pull(controller) {
          try {
            for (;;) {
              const next = await reader.read();
              if (next.done) {
                await scan.end();
                if (!settled) {
                  settled = true;
                  controller.close();
                }
                return;
              }
              if (next.value.byteLength === 0) continue;
              await scan.write(next.value);
              controller.enqueue(next.value);
              return;
            }
          } catch (err) {
            const reason = err instanceof Error ? err : new Error(String(err));
            scan.abort(reason);
            if (!settled) {
              settled = true;
              controller.error(reason);
              reader.cancel(reason).catch(() => undefined);
            }
          }
        },
        cancel(reason: unknown) {
          settled = true;
          scan.abort(reason instanceof Error ? reason : new Error("the archive upload was cancelled"));
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return { output, verdict: scan.done };
  };
}

// ---------------------------------------------------------------------------------------------------
// Public: extraction

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

  const knownDirs = new Set<string>([""]);
  const dirModes = new Map<string, number>();
  const symlinks: { path: readonly string[]; target: string }[] = [];
  const abs = (segments: readonly string[]) => join(root, ...segments);

  /** Creates the directories of `segments` one by one; an existing component must be a real directory. */
  const ensureDir = async (segments: readonly string[]) => {
    for (let i = 1; i <= segments.length; i++) {
      const key = segments.slice(0, i).join("/");
      if (knownDirs.has(key)) continue;
      const path = abs(segments.slice(0, i));
      try {
        await mkdir(path, { mode: 0o700 });
      } catch (err) {
        if (errnoOf(err) !== "EEXIST") throw err;
        const stat = await lstat(path);
        if (!stat.isDirectory()) {
          throw new InvalidArchiveError("path-conflict", "a parent path is not a directory", key);
        }
      }
      knownDirs.add(key);
    }
  };

  const writeFile = async (path: readonly string[], mode: number, body: AsyncIterable<Uint8Array>) => {
    await ensureDir(path.slice(0, -1));
    let handle: FileHandle | undefined;
    try {
      handle = await open(abs(path), writeFlags, 0o600);
      for await (const chunk of body) {
        for (let offset = 0; offset < chunk.byteLength; ) {
          offset += (await handle.write(chunk, offset)).bytesWritten;
        }
      }
      await handle.chmod(fileMode(mode));
    } finally {
      await handle?.close();
    }
  };

  const summary = await scanStream(stream, limits, async (entry, body) => {
    switch (entry.kind) {
      case "directory":
        await ensureDir(entry.path);
        dirModes.set(entry.path.join("/"), dirMode(entry.mode));
        return;
      case "file":
        await writeFile(entry.path, entry.mode, body);
        return;
      case "link": {
        await ensureDir(entry.path.slice(0, -1));
        const target = abs(entry.target);
        if (!(await lstat(target)).isFile()) {
          throw new InvalidArchiveError(
            "hard-link-target",
            "hard link target is not a file",
            entry.path.join("/"),
          );
        }
        await link(target, abs(entry.path));
        return;
      }
      case "symlink":
        symlinks.push({ path: entry.path, target: entry.target });
        return;
    }
  });

  for (const { path, target } of symlinks) {
    await ensureDir(path.slice(0, -1));
    await symlink(target, abs(path));
  }
  // Defence in depth: the scanner already resolved every link inside the archive's own tree.
  for (const { path } of symlinks) {
    let resolved: string;
    try {
      resolved = await realpath(abs(path));
    } catch (err) {
      if (errnoOf(err) === "ENOENT") continue;
      throw new InvalidArchiveError("symlink-loop", "symlink does not resolve", path.join("/"));
    }
    if (resolved !== root && !resolved.startsWith(root + sep)) {
      throw new InvalidArchiveError("link-escape", "symlink resolves outside the archive", path.join("/"));
    }
  }
  const deepestFirst = [...dirModes].sort(([a], [b]) => b.split("/").length - a.split("/").length);
  for (const [key, mode] of deepestFirst) {
    const handle = await open(abs(key.split("/")), dirFlags);
    try {
      await handle.chmod(mode);
    } finally {
      await handle.close();
    }
  }
  return summary;
}
