import type { Actor } from "@terrapod/kernel";
import { workspaceFor } from "../workspace/index.ts";
import type { VariableDeps } from "./deps.ts";
import { loadVariableLayers, precedenceInput } from "./layers.ts";
import type { Variable } from "./model.ts";
import { resolveRunVariables } from "./precedence.ts";
import { toVariable } from "./stored.ts";

/**
 * The variables a run of this workspace would get before any run variables: workspace variables plus
 * the ones inherited from variable sets, after precedence (TFE `all-vars`, read by terraform's local
 * operations). Sensitive values stay null.
 */
export async function listEffectiveVariables(
  deps: VariableDeps,
  actor: Actor,
  workspaceId: string,
): Promise<Variable[]> {
  const ws = await workspaceFor(deps, actor, "variable:read", workspaceId);
  const layers = await loadVariableLayers(deps, ws);
  const resolved = resolveRunVariables(
    precedenceInput(layers, (row, owner) => toVariable(row, owner, deps.secrets)),
  );
  return resolved.flatMap((r) => (r.from === "stored" ? [r.variable] : []));
}
