import { type Actor, NotFoundError, type Page, type PageRequest } from "@terrapod/kernel";
import { findWorkspaceById } from "../workspace/queries.ts";
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
  const ws = await findWorkspaceById(deps.db, workspaceId);
  if (!ws) throw new NotFoundError("workspace", workspaceId);
  await deps.access.requireWorkspace(actor, "state:read", ws);
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
