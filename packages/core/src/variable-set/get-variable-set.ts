import type { Actor } from "@terrapod/kernel";
import type { VariableSetDeps } from "./deps.ts";
import type { VariableSet } from "./model.ts";
import { variableSetFor } from "./variable-set-access.ts";

export async function getVariableSet(deps: VariableSetDeps, actor: Actor, id: string): Promise<VariableSet> {
  return variableSetFor(deps, actor, "varset:read", id);
}
