import { isUniqueViolation, variableSetVariables } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { parseInput } from "../shared/validate.ts";
import {
  changedVariableColumns,
  toVariable,
  UpdateVariableInput,
  type Variable,
  VariableKeyTakenError,
} from "../variable/index.ts";
import type { VariableSetDeps } from "./deps.ts";
import { findSetVariableRow } from "./queries.ts";
import { variableSetFor } from "./variable-set-access.ts";

/** Updates a variable of a set, with the same rules as workspace variables. */
export async function updateSetVariable(
  deps: VariableSetDeps,
  actor: Actor,
  varsetId: string,
  variableId: string,
  raw: UpdateVariableInput,
): Promise<Variable> {
  let key: string | undefined;
  try {
    return await deps.db.transaction(async (tx) => {
      const set = await variableSetFor(deps, actor, "varset:manage", varsetId, { tx });
      const row = await findSetVariableRow(tx, variableId, { forUpdate: true });
      if (row?.varsetId !== set.id) throw new NotFoundError("variable", variableId);
      const input = parseInput(UpdateVariableInput, raw);
      const { attrs, columns } = changedVariableColumns(deps.secrets, row, input);
      key = attrs.key;
      const updated = { ...row, ...columns, updatedAt: deps.clock.now() };
      await tx
        .update(variableSetVariables)
        .set({ ...columns, updatedAt: updated.updatedAt })
        .where(eq(variableSetVariables.id, row.id));
      return toVariable(updated, { kind: "varset", id: set.id }, deps.secrets);
    });
  } catch (err) {
    if (isUniqueViolation(err) && key !== undefined) throw new VariableKeyTakenError(key);
    throw err;
  }
}
