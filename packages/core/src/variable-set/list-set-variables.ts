import type { Actor } from "@terrapod/kernel";
import type { Variable } from "../variable/model.ts";
import { toVariable } from "../variable/stored.ts";
import type { VariableSetDeps } from "./deps.ts";
import { listSetVariableRows } from "./queries.ts";
import { variableSetFor } from "./set-access.ts";

/** The variables of a set, in creation order. */
export async function listSetVariables(
  deps: VariableSetDeps,
  actor: Actor,
  varsetId: string,
): Promise<Variable[]> {
  const set = await variableSetFor(deps, deps.db, actor, varsetId, "varset:read");
  const rows = await listSetVariableRows(deps.db, [set.id]);
  return rows.map((r) => toVariable(r, { kind: "varset", id: set.id }, deps.secrets));
}
