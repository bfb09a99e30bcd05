import { variableSetVariables } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { VariableSetDeps } from "./deps.ts";
import { findSetVariableRow } from "./queries.ts";
import { variableSetFor } from "./variable-set-access.ts";

export async function deleteSetVariable(
  deps: VariableSetDeps,
  actor: Actor,
  varsetId: string,
  variableId: string,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const set = await variableSetFor(deps, actor, "varset:manage", varsetId, { tx });
    const row = await findSetVariableRow(tx, variableId, { forUpdate: true });
    if (row?.varsetId !== set.id) throw new NotFoundError("variable", variableId);
    await tx.delete(variableSetVariables).where(eq(variableSetVariables.id, row.id));
  });
}
