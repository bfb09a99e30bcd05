/**
 * What the configuration archive checks share: the limits, the summary of an accepted archive, the
 * error of a refused one, and the entries the scanner hands to a visitor.
 */
import { InvalidError } from "@terrapod/kernel";

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
