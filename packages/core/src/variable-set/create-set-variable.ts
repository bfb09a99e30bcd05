import { isUniqueViolation, variableSetVariables } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import { parseInput } from "../shared/validate.ts";
import {
  CreateVariableInput,
  newVariableColumns,
  toVariable,
  type Variable,
  VariableKeyTakenError,
} from "../variable/index.ts";
import type { VariableSetDeps } from "./deps.ts";
import { variableSetFor } from "./variable-set-access.ts";

/** Adds a variable to a set; sealed at rest like workspace variables. */
export async function createSetVariable(
  deps: VariableSetDeps,
  actor: Actor,
  varsetId: string,
  raw: CreateVariableInput,
): Promise<Variable> {
  const set = await variableSetFor(deps, actor, "varset:manage", varsetId);
  const input = parseInput(CreateVariableInput, raw);
  const id = deps.ids("variable");
  const now = deps.clock.now();
  const { attrs, columns } = newVariableColumns(deps.secrets, id, input);
  const row = {
    id,
    varsetId: set.id,
    ...columns,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await deps.db.insert(variableSetVariables).values(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new VariableKeyTakenError(attrs.key);
    throw err;
  }
  return toVariable(row, { kind: "varset", id: set.id }, deps.secrets);
}
