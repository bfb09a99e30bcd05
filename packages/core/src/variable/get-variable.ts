import { type Actor, NotFoundError, type WorkspaceId } from "@terrapod/kernel";
import type { VariableDeps } from "./deps.ts";
import type { Variable } from "./model.ts";
import { findVariableRow } from "./queries.ts";
import { toVariable } from "./stored.ts";
import { workspaceForVariables } from "./workspace-access.ts";

/**
 * One workspace variable. With `workspaceId`, a variable of another workspace is NotFound, like a
 * missing one.
 */
export async function getVariable(
  deps: VariableDeps,
  actor: Actor,
  ref: { readonly workspaceId?: string | undefined; readonly variableId: string },
): Promise<Variable> {
  const row = await findVariableRow(deps.db, ref.variableId);
  if (!row || (ref.workspaceId !== undefined && row.workspaceId !== ref.workspaceId)) {
    throw new NotFoundError("variable", ref.variableId);
  }
  await workspaceForVariables(deps, deps.db, actor, row.workspaceId, "variable:read");
  return toVariable(row, { kind: "workspace", id: row.workspaceId as WorkspaceId }, deps.secrets);
}
