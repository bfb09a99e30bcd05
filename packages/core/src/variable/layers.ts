import type { Executor, VariableRow, VariableSetVariableRow } from "@terrapod/db";
import type { VariableSetId, WorkspaceId } from "@terrapod/kernel";
import type { VariableSet } from "../variable-set/model.ts";
import { listSetVariableRows, listVariableSetsReaching } from "../variable-set/queries.ts";
import type { Workspace } from "../workspace/model.ts";
import type { VariableOwner } from "./model.ts";
import type { PrecedenceInput, PrecedenceVariable, VariableSetScope } from "./precedence.ts";
import { listWorkspaceVariableRows } from "./queries.ts";
import type { StoredVariable } from "./stored.ts";

/** Everything that can set a variable of one workspace, straight from the database (values sealed). */
export type VariableLayers = {
  readonly workspaceId: WorkspaceId;
  readonly workspace: readonly VariableRow[];
  readonly sets: readonly {
    readonly set: VariableSet;
    readonly scope: VariableSetScope;
    readonly rows: readonly VariableSetVariableRow[];
  }[];
};

/**
 * A set that reaches the workspace by several routes counts once: as global if it is global, else as
 * applied to the workspace if it is, else as applied to the workspace's project.
 */
function scopeOf(set: VariableSet, ws: Workspace): VariableSetScope {
  if (set.global) return "global";
  return set.workspaceIds.includes(ws.id) ? "workspace" : "project";
}

export async function loadVariableLayers(db: Executor, ws: Workspace): Promise<VariableLayers> {
  const [workspace, sets] = await Promise.all([
    listWorkspaceVariableRows(db, ws.id),
    listVariableSetsReaching(db, ws),
  ]);
  const rows = await listSetVariableRows(
    db,
    sets.map((s) => s.id),
  );
  return {
    workspaceId: ws.id,
    workspace,
    sets: sets.map((set) => ({
      set,
      scope: scopeOf(set, ws),
      rows: rows.filter((r) => r.varsetId === set.id),
    })),
  };
}

/** The precedence input over the layers, each stored variable mapped by `view`. */
export function precedenceInput<V extends PrecedenceVariable>(
  layers: VariableLayers,
  view: (row: StoredVariable, owner: VariableOwner) => V,
): PrecedenceInput<V> {
  return {
    workspace: layers.workspace.map((r) => view(r, { kind: "workspace", id: layers.workspaceId })),
    sets: layers.sets.map(({ set, scope, rows }) => ({
      id: set.id,
      name: set.name,
      priority: set.priority,
      scope,
      variables: rows.map((r) => view(r, { kind: "varset", id: set.id as VariableSetId })),
    })),
  };
}
