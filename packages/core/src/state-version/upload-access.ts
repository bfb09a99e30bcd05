import { type Actor, ForbiddenError, NotFoundError, type Page } from "@terrapod/kernel";
import { workspaceFor } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import { awaitsJsonState, type StateVersion } from "./model.ts";

type UploadDeps = Pick<StateVersionDeps, "db" | "access" | "clock">;

/**
 * Sets the uploads `actor` may make now on each version (`StateVersion.uploads`): the raw state while the
 * version is pending, the JSON state while it awaits one (model.ts `awaitsJsonState`), and neither for a
 * caller without `state:write` on its workspace: a reader never receives an upload URL.
 */
export async function withUploads(deps: UploadDeps, actor: Actor, list: readonly StateVersion[]) {
  const now = deps.clock.now();
  const writable = new Map<string, Promise<boolean>>();
  const mayWrite = (workspaceId: string) => {
    const known = writable.get(workspaceId);
    if (known) return known;
    const allowed = mayWriteState(deps, actor, workspaceId);
    writable.set(workspaceId, allowed);
    return allowed;
  };
  return Promise.all(
    list.map(async (sv): Promise<StateVersion> => {
      const state = sv.status === "pending";
      const json = awaitsJsonState(sv, now);
      if (!state && !json) return sv;
      return (await mayWrite(sv.workspaceId)) ? { ...sv, uploads: { state, json } } : sv;
    }),
  );
}

/** `withUploads` for one version. */
export async function withUploadsOf(deps: UploadDeps, actor: Actor, sv: StateVersion): Promise<StateVersion> {
  const [one] = await withUploads(deps, actor, [sv]);
  return one ?? sv;
}

/** `withUploads` for a page of versions. */
export async function withUploadsPage(
  deps: UploadDeps,
  actor: Actor,
  page: Page<StateVersion>,
): Promise<Page<StateVersion>> {
  return { ...page, items: await withUploads(deps, actor, page.items) };
}

async function mayWriteState(deps: UploadDeps, actor: Actor, workspaceId: string): Promise<boolean> {
  try {
    await workspaceFor(deps, actor, "state:write", workspaceId);
    return true;
  } catch (err) {
    if (err instanceof ForbiddenError || err instanceof NotFoundError) return false;
    throw err;
  }
}
