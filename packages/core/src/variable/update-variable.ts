import { isUniqueViolation, variables } from "@terrapod/db";
import type { Actor, WorkspaceId } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { parseInput } from "../shared/validate.ts";
import type { VariableDeps } from "./deps.ts";
import { VariableKeyTakenError } from "./errors.ts";
import type { Variable, VariableRef } from "./model.ts";
import { UpdateVariableInput } from "./schemas.ts";
import { changedVariableColumns, toVariable } from "./stored.ts";
import { variableFor } from "./variable-access.ts";

/**
 * Updates a workspace variable. Absent attributes keep their value; the version id changes even when
 * nothing else does. A sensitive variable cannot be made non-sensitive.
 */
export async function updateVariable(
  deps: VariableDeps,
  actor: Actor,
  ref: VariableRef,
  raw: UpdateVariableInput,
): Promise<Variable> {
  let key: string | undefined;
  try {
    return await deps.db.transaction(async (tx) => {
      const row = await variableFor(deps, actor, "variable:write", ref, { tx, lock: true });
      const input = parseInput(UpdateVariableInput, raw);
      const { attrs, columns } = changedVariableColumns(deps.secrets, row, input);
      key = attrs.key;
      const updated = { ...row, ...columns, updatedAt: deps.clock.now() };
      await tx
        .update(variables)
        .set({ ...columns, updatedAt: updated.updatedAt })
        .where(eq(variables.id, row.id));
      return toVariable(updated, { kind: "workspace", id: row.workspaceId as WorkspaceId }, deps.secrets);
    });
  } catch (err) {
    if (isUniqueViolation(err) && key !== undefined) throw new VariableKeyTakenError(key);
    throw err;
  }
}
