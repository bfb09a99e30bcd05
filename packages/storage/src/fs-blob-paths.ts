import { mkdir, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InvalidError } from "@terrapod/kernel";
import { isMissing, mapFsError } from "./fs-blob-errors.ts";
import { assertValidKey } from "./keys.ts";

/**
 * Directory under the root for in-flight writes. It lives on the same filesystem as the objects, so
 * the final rename is atomic; keys may not start with it and `list` never shows it.
 */
export const partialDir = ".partial";

/** What the operations of one fs store share: its root, and the root's real path once it exists. */
export type FsState = {
  /** Absolute and normalized. */
  readonly root: string;
  realRoot: string | undefined;
};

export async function rootRealPath(state: FsState): Promise<string> {
  if (state.realRoot === undefined) {
    await mkdir(state.root, { recursive: true });
    state.realRoot = await realpath(state.root);
  }
  return state.realRoot;
}

export function pathFor(state: FsState, key: string): string {
  assertValidKey(key);
  const segments = key.split("/");
  if (segments[0] === partialDir) throw new InvalidError(`blob key "${key}" uses a reserved name`, "key");
  const path = resolve(state.root, ...segments);
  if (!isInside(state.root, path)) throw new InvalidError(`blob key "${key}" escapes the store root`, "key");
  return path;
}

/**
 * Throws InvalidError when the real location of `path` (which must exist) lies outside the root; a
 * directory (`allowRoot`) may be the root itself.
 */
export async function assertRealInside(
  state: FsState,
  path: string,
  key: string,
  allowRoot = false,
): Promise<string> {
  const real = await realpath(path);
  const base = await rootRealPath(state);
  if (!(isInside(base, real) || (allowRoot && real === base))) {
    throw new InvalidError(`blob key "${key}" resolves outside the store root`, "key");
  }
  return real;
}

/** The real path of an existing object, or undefined when it does not exist. */
export async function existing(state: FsState, key: string): Promise<string | undefined> {
  const path = pathFor(state, key);
  try {
    return await assertRealInside(state, path, key);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw mapFsError(err, `resolving blob ${key}`);
  }
}

/** True when `child` lies strictly below `parent` (both absolute and normalized). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
