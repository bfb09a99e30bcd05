import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { WorkspaceAction } from "../access/index.ts";
import type { LoadOptions } from "../shared/load-options.ts";
import { workspaceFor } from "../workspace/index.ts";
import type { ConfigurationVersionDeps } from "./deps.ts";
import type { ConfigurationVersion } from "./model.ts";
import { findConfigurationVersion, findConfigurationVersionForUpdate } from "./queries.ts";

/**
 * Loads a configuration version and checks the actor may do `action` on its workspace. Missing versions
 * and versions of hidden workspaces both give NotFoundError naming the version; ForbiddenError when the
 * workspace is readable but the action is not allowed. `lock` row-locks the workspace first, then the
 * version: that serializes a change with uploads and run creation on the workspace.
 */
export async function configurationVersionFor(
  deps: Pick<ConfigurationVersionDeps, "db" | "access">,
  actor: Actor,
  action: WorkspaceAction,
  id: string,
  opts?: LoadOptions,
): Promise<ConfigurationVersion> {
  const db = opts?.tx ?? deps.db;
  const cv = await findConfigurationVersion(db, id);
  if (!cv) throw new NotFoundError("configuration version", id);
  try {
    await workspaceFor(deps, actor, action, cv.workspaceId, opts);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("configuration version", id);
    throw err;
  }
  if (!opts?.lock) return cv;
  const locked = await findConfigurationVersionForUpdate(db, id);
  if (!locked) throw new NotFoundError("configuration version", id);
  return locked;
}
