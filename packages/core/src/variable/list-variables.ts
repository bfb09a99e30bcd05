import type { Actor, OrganizationName } from "@terrapod/kernel";
import { workspaceByNameFor, workspaceFor } from "../workspace/index.ts";
import type { VariableDeps } from "./deps.ts";
import type { Variable } from "./model.ts";
import { listWorkspaceVariableRows } from "./queries.ts";
import { toVariable } from "./stored.ts";

/** A workspace by id, or by organization and name (the legacy `GET /vars` filter). */
export type VariableWorkspaceRef =
  | { readonly workspaceId: string }
  | { readonly organization: OrganizationName; readonly workspace: string };

/** The variables defined directly on a workspace, in creation order. */
export async function listVariables(
  deps: VariableDeps,
  actor: Actor,
  ref: VariableWorkspaceRef,
): Promise<Variable[]> {
  const ws =
    "workspaceId" in ref
      ? await workspaceFor(deps, actor, "variable:read", ref.workspaceId)
      : await workspaceByNameFor(deps, actor, "variable:read", ref.organization, ref.workspace);
  const rows = await listWorkspaceVariableRows(deps.db, ws.id);
  return rows.map((r) => toVariable(r, { kind: "workspace", id: ws.id }, deps.secrets));
}
