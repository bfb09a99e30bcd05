import type { Actor } from "@terrapod/kernel";
import type { VariableDeps } from "./deps.ts";
import { loadVariableLayers, precedenceInput } from "./layers.ts";
import type { Variable } from "./model.ts";
import { resolveRunVariables } from "./precedence.ts";
import { toVariable } from "./stored.ts";
import { workspaceForVariables } from "./workspace-access.ts";

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
  const ws = await workspaceForVariables(deps, deps.db, actor, workspaceId, "variable:read");
  const layers = await loadVariableLayers(deps.db, ws);
  const resolved = resolveRunVariables(
    precedenceInput(layers, (row, owner) => toVariable(row, owner, deps.secrets)),
  );
  return resolved.flatMap((r) => (r.from === "stored" ? [r.variable] : []));
}
