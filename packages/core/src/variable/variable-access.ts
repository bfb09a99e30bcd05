import type { VariableRow } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { LoadOptions } from "../shared/load-options.ts";
import { workspaceFor } from "../workspace/index.ts";
import type { VariableDeps } from "./deps.ts";
import type { VariableRef } from "./model.ts";
import { findVariableRow, findVariableRowForUpdate } from "./queries.ts";

/**
 * Loads a workspace variable (stored, value sealed) and checks the actor may read (`variable:read`) or
 * write (`variable:write`) the variables of its workspace. Missing variables, variables of another
 * workspace than `ref.workspaceId` and variables of hidden workspaces all give NotFoundError naming the
 * variable; ForbiddenError when the workspace is readable but the action is not allowed. `lock` row-locks
 * the variable for the rest of the transaction.
 */
export async function variableFor(
  deps: Pick<VariableDeps, "db" | "access">,
  actor: Actor,
  action: "variable:read" | "variable:write",
  ref: VariableRef,
  opts?: LoadOptions,
): Promise<VariableRow> {
  const db = opts?.tx ?? deps.db;
  const row = opts?.lock
    ? await findVariableRowForUpdate(db, ref.variableId)
    : await findVariableRow(db, ref.variableId);
  if (!row || (ref.workspaceId !== undefined && row.workspaceId !== ref.workspaceId)) {
    throw new NotFoundError("variable", ref.variableId);
  }
  try {
    await workspaceFor(deps, actor, action, row.workspaceId, opts && { tx: opts.tx });
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("variable", ref.variableId);
    throw err;
  }
  return row;
}
