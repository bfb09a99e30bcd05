import type { Actor, Page, PageRequest } from "@terrapod/kernel";
import { workspaceFor } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import { findCurrentStateVersion } from "./queries.ts";
import { resourceInstances, type WorkspaceResource } from "./workspace-resources.ts";

/**
 * `GET /workspaces/:id/resources`: the managed resource instances of the workspace's current state, from
 * the summary stored when the state landed (no state file is read). Empty without a state.
 */
export async function listWorkspaceResources(
  deps: StateVersionDeps,
  actor: Actor,
  workspaceId: string,
  page: PageRequest,
): Promise<Page<WorkspaceResource>> {
  const ws = await workspaceFor(deps, actor, "state:read", workspaceId);
  const sv = await findCurrentStateVersion(deps.db, ws.id);
  const all = sv ? resourceInstances(ws.id, sv.resources) : [];
  const start = (page.page - 1) * page.size;
  return {
    items: all.slice(start, start + page.size),
    total: all.length,
    page: page.page,
    size: page.size,
  };
}
