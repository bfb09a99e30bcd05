import { variables } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { VariableDeps } from "./deps.ts";
import type { VariableRef } from "./model.ts";
import { variableFor } from "./variable-access.ts";

export async function deleteVariable(deps: VariableDeps, actor: Actor, ref: VariableRef): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const row = await variableFor(deps, actor, "variable:write", ref, { tx, lock: true });
    await tx.delete(variables).where(eq(variables.id, row.id));
  });
}
