import type { Actor } from "@terrapod/kernel";
import { atLeast, type WorkspaceSubject, workspaceActionLevels } from "../access/index.ts";
import type { VariableDeps } from "./deps.ts";
import { variableIdsByWorkspace } from "./queries.ts";

/**
 * The ids of each workspace's own variables (the `vars` relationship of a workspace document), for the
 * workspaces whose variables the actor may read; the others are left out of the map.
 */
export async function listVariableIds(
  deps: VariableDeps,
  actor: Actor,
  workspaces: readonly WorkspaceSubject[],
): Promise<Map<string, string[]>> {
  const readable: string[] = [];
  for (const ws of workspaces) {
    if (atLeast(await deps.access.workspaceLevel(actor, ws), workspaceActionLevels["variable:read"]))
      readable.push(ws.id);
  }
  const ids = await variableIdsByWorkspace(deps.db, readable);
  return new Map(readable.map((id) => [id, ids.get(id) ?? []]));
}
