import type { InheritedVariableSet } from "../variable/index.ts";
import type { VariableSetDeps } from "./deps.ts";
import type { VariableSet } from "./model.ts";
import { listSetVariableRows, listVariableSetsReaching } from "./queries.ts";

type WorkspaceRef = { readonly id: string; readonly organizationId: string; readonly projectId: string };

/**
 * A set that reaches the workspace by several routes counts once: as global if it is global, else as
 * applied to the workspace if it is, else as applied to the workspace's project.
 */
function scopeOf(set: VariableSet, ws: WorkspaceRef): InheritedVariableSet["scope"] {
  if (set.global) return "global";
  return set.workspaceIds.some((id) => id === ws.id) ? "workspace" : "project";
}

/**
 * Every set that reaches a workspace (global ones, those applied to its project, those applied to it), in
 * name order, with its variables (values sealed): what variable precedence layers over the workspace's own
 * variables. No access check: for the variable domain's resolution only.
 */
export async function listSetsReachingWorkspace(
  deps: Pick<VariableSetDeps, "db">,
  ws: WorkspaceRef,
): Promise<InheritedVariableSet[]> {
  const sets = await listVariableSetsReaching(deps.db, ws);
  const rows = await listSetVariableRows(
    deps.db,
    sets.map((s) => s.id),
  );
  return sets.map((set) => ({
    id: set.id,
    name: set.name,
    priority: set.priority,
    scope: scopeOf(set, ws),
    variables: rows.filter((r) => r.varsetId === set.id),
  }));
}
