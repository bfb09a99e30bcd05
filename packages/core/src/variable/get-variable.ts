import type { Actor, WorkspaceId } from "@terrapod/kernel";
import type { VariableDeps } from "./deps.ts";
import type { Variable, VariableRef } from "./model.ts";
import { toVariable } from "./stored.ts";
import { variableFor } from "./variable-access.ts";

/**
 * One workspace variable. With `workspaceId`, a variable of another workspace is NotFound, like a
 * missing one.
 */
export async function getVariable(deps: VariableDeps, actor: Actor, ref: VariableRef): Promise<Variable> {
  const row = await variableFor(deps, actor, "variable:read", ref);
  return toVariable(row, { kind: "workspace", id: row.workspaceId as WorkspaceId }, deps.secrets);
}
