/**
 * Pure path rules for configuration archive entries (go-slug format): entry names and link targets are
 * checked and normalised here, with no I/O, so the server's validator and the runner's extractor agree.
 */

/** Longest entry path accepted, in bytes (Linux PATH_MAX). */
export const maxEntryPathBytes = 4096;

/** Why a name or link target is refused. */
export type PathProblem = "empty" | "nul-byte" | "backslash" | "absolute" | "parent-segment" | "too-long";

export type NormalizedPath =
  | { readonly ok: true; readonly segments: readonly string[] }
  | { readonly ok: false; readonly problem: PathProblem };

const encoder = new TextEncoder();

function refuseRaw(raw: string): PathProblem | undefined {
  if (raw.includes("\0")) return "nul-byte";
  if (raw.includes("\\")) return "backslash";
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw)) return "absolute";
  if (encoder.encode(raw).byteLength > maxEntryPathBytes) return "too-long";
  return undefined;
}

/**
 * Splits an entry name into segments, dropping `.` and empty segments (so `./a//b/` is `a/b`). Refuses
 * NUL bytes, backslashes, absolute paths (`/x`, `C:x`) and any `..` segment. The archive root itself
 * (`./`) normalises to no segments.
 */
export function normalizeEntryPath(name: string): NormalizedPath {
  const problem = refuseRaw(name);
  if (problem) return { ok: false, problem };
  const segments: string[] = [];
  for (const segment of name.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") return { ok: false, problem: "parent-segment" };
    segments.push(segment);
  }
  return { ok: true, segments };
}

/**
 * Resolves a symlink target lexically against the directory holding the link. `..` may climb, but
 * never above the archive root. The result is the target's path from the root (possibly the root).
 */
export function resolveLinkTarget(linkSegments: readonly string[], target: string): NormalizedPath {
  if (target === "") return { ok: false, problem: "empty" };
  const problem = refuseRaw(target);
  if (problem) return { ok: false, problem };
  const stack = linkSegments.slice(0, -1);
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (stack.length === 0) return { ok: false, problem: "parent-segment" };
      stack.pop();
      continue;
    }
    stack.push(segment);
  }
  return { ok: true, segments: stack };
}

/** What a path in the tree is, for {@link resolveInTree}. */
export type TreeNode =
  | { readonly kind: "dir" | "file" }
  | { readonly kind: "symlink"; readonly target: string };

export type TreeResolution =
  | { readonly ok: true; readonly segments: readonly string[] }
  | { readonly ok: false; readonly problem: "escapes" | "absolute" | "loop" };

/** Symlinks followed before a resolution gives up (Linux's MAXSYMLINKS). */
const maxLinkHops = 40;

/**
 * Resolves `path` the way the kernel would, following every symlink met on the way, inside a tree
 * described by `lookup` (a path's segments joined with `/`; the root is ""). Fails when the walk climbs
 * above the root, meets an absolute target, or follows more than 40 links. Components that do not
 * exist are taken lexically, so a dangling link is accepted only if it would stay inside once its
 * target appears.
 */
export function resolveInTree(
  path: readonly string[],
  lookup: (segments: readonly string[]) => TreeNode | undefined,
): TreeResolution {
  const stack: string[] = [];
  const pending = [...path].reverse();
  let hops = 0;
  for (let segment = pending.pop(); segment !== undefined; segment = pending.pop()) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (stack.length === 0) return { ok: false, problem: "escapes" };
      stack.pop();
      continue;
    }
    stack.push(segment);
    const node = lookup(stack);
    if (node === undefined || node.kind !== "symlink") continue;
    hops += 1;
    if (hops > maxLinkHops) return { ok: false, problem: "loop" };
    if (node.target.startsWith("/")) return { ok: false, problem: "absolute" };
    stack.pop();
    const parts = node.target.split("/");
    for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i] ?? "");
  }
  return { ok: true, segments: stack };
}
