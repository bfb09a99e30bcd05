import { type Actor, NotFoundError } from "@terrapod/kernel";
import { toVariable, type Variable } from "../variable/index.ts";
import type { VariableSetDeps } from "./deps.ts";
import { findSetVariableRow } from "./queries.ts";
import { variableSetFor } from "./variable-set-access.ts";

/** One variable of a set; a variable of another set is NotFound. */
export async function getSetVariable(
  deps: VariableSetDeps,
  actor: Actor,
  varsetId: string,
  variableId: string,
): Promise<Variable> {
  const set = await variableSetFor(deps, actor, "varset:read", varsetId);
  const row = await findSetVariableRow(deps.db, variableId);
  if (row?.varsetId !== set.id) throw new NotFoundError("variable", variableId);
  return toVariable(row, { kind: "varset", id: set.id }, deps.secrets);
}
