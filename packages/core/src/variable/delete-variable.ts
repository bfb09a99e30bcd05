import { variables } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { VariableDeps } from "./deps.ts";
import { findVariableRowForUpdate } from "./queries.ts";
import { workspaceForVariables } from "./workspace-access.ts";

export async function deleteVariable(
  deps: VariableDeps,
  actor: Actor,
  ref: { readonly workspaceId?: string | undefined; readonly variableId: string },
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const row = await findVariableRowForUpdate(tx, ref.variableId);
    if (!row || (ref.workspaceId !== undefined && row.workspaceId !== ref.workspaceId)) {
      throw new NotFoundError("variable", ref.variableId);
    }
    await workspaceForVariables(deps, tx, actor, row.workspaceId, "variable:write");
    await tx.delete(variables).where(eq(variables.id, row.id));
  });
}
