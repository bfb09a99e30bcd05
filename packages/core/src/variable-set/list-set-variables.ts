import type { Actor } from "@terrapod/kernel";
import { toVariable, type Variable } from "../variable/index.ts";
import type { VariableSetDeps } from "./deps.ts";
import { listSetVariableRows } from "./queries.ts";
import { variableSetFor } from "./variable-set-access.ts";

/** The variables of a set, in creation order. */
export async function listSetVariables(
  deps: VariableSetDeps,
  actor: Actor,
  varsetId: string,
): Promise<Variable[]> {
  const set = await variableSetFor(deps, actor, "varset:read", varsetId);
  const rows = await listSetVariableRows(deps.db, [set.id]);
  return rows.map((r) => toVariable(r, { kind: "varset", id: set.id }, deps.secrets));
}
