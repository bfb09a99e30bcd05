/**
 * Header checks of configuration archive entries: each tar header is validated against the tree read so
 * far ({@link checkHeader}), and {@link TreeIndex} remembers enough of that tree to refuse duplicates
 * and link tricks.
 */
import type { Header } from "tar-stream";
import {
  type ArchiveEntry,
  type ArchiveLimits,
  type ArchiveProblem,
  InvalidArchiveError,
} from "./archive-model.ts";
import {
  normalizeEntryPath,
  type PathProblem,
  resolveInTree,
  resolveLinkTarget,
  type TreeNode,
} from "./archive-paths.ts";

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
export class TreeIndex {
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
export function checkHeader(
  header: Header,
  tree: TreeIndex,
  limits: ArchiveLimits,
): ArchiveEntry | undefined {
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
