import type { VariableRow } from "@terrapod/db";
import type { VariableSetId, WorkspaceId } from "@terrapod/kernel";
import type { Workspace } from "../workspace/index.ts";
import type { InheritedVariableSet, VariableDeps } from "./deps.ts";
import type { VariableOwner } from "./model.ts";
import type { PrecedenceInput, PrecedenceVariable } from "./precedence.ts";
import { listWorkspaceVariableRows } from "./queries.ts";
import type { StoredVariable } from "./stored.ts";

/** Everything that can set a variable of one workspace, straight from the database (values sealed). */
export type VariableLayers = {
  readonly workspaceId: WorkspaceId;
  readonly workspace: readonly VariableRow[];
  readonly sets: readonly InheritedVariableSet[];
};

export async function loadVariableLayers(
  deps: Pick<VariableDeps, "db" | "variableSets">,
  ws: Workspace,
): Promise<VariableLayers> {
  const [workspace, sets] = await Promise.all([
    listWorkspaceVariableRows(deps.db, ws.id),
    deps.variableSets.reaching(ws),
  ]);
  return { workspaceId: ws.id, workspace, sets };
}

/** The precedence input over the layers, each stored variable mapped by `view`. */
export function precedenceInput<V extends PrecedenceVariable>(
  layers: VariableLayers,
  view: (row: StoredVariable, owner: VariableOwner) => V,
): PrecedenceInput<V> {
  return {
    workspace: layers.workspace.map((r) => view(r, { kind: "workspace", id: layers.workspaceId })),
    sets: layers.sets.map((set) => ({
      id: set.id,
      name: set.name,
      priority: set.priority,
      scope: set.scope,
      variables: set.variables.map((r) => view(r, { kind: "varset", id: set.id as VariableSetId })),
    })),
  };
}
