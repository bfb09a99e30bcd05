import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { WorkspaceAction } from "../access/index.ts";
import type { LoadOptions } from "../shared/load-options.ts";
import { workspaceFor } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import type { StateVersion } from "./model.ts";
import { findStateVersion, findStateVersionForUpdate } from "./queries.ts";

/**
 * Loads a state version and checks the actor may do `action` on its workspace. Missing versions and
 * versions of hidden workspaces both give NotFoundError naming the version; ForbiddenError when the
 * workspace is readable but the action is not allowed. `lock` row-locks the workspace first, then the
 * version (the order finalizing uses).
 */
export async function stateVersionFor(
  deps: Pick<StateVersionDeps, "db" | "access">,
  actor: Actor,
  action: WorkspaceAction,
  id: string,
  opts?: LoadOptions,
): Promise<StateVersion> {
  const db = opts?.tx ?? deps.db;
  const sv = await findStateVersion(db, id);
  if (!sv) throw new NotFoundError("state version", id);
  try {
    await workspaceFor(deps, actor, action, sv.workspaceId, opts);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("state version", id);
    throw err;
  }
  if (!opts?.lock) return sv;
  const locked = await findStateVersionForUpdate(db, id);
  if (!locked) throw new NotFoundError("state version", id);
  return locked;
}
