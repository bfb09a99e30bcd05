import { variableSets } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { VariableSetDeps } from "./deps.ts";
import { variableSetFor } from "./variable-set-access.ts";

/** Deletes a set with its variables and assignments. */
export async function deleteVariableSet(deps: VariableSetDeps, actor: Actor, id: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const set = await variableSetFor(deps, actor, "varset:manage", id, { tx, lock: true });
    await tx.delete(variableSets).where(eq(variableSets.id, set.id));
  });
}
