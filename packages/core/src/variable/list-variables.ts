import { type Actor, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import { findWorkspaceByName } from "../workspace/queries.ts";
import type { VariableDeps } from "./deps.ts";
import type { Variable } from "./model.ts";
import { listWorkspaceVariableRows } from "./queries.ts";
import { toVariable } from "./stored.ts";
import { workspaceForVariables } from "./workspace-access.ts";

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
  let workspaceId: string;
  if ("workspaceId" in ref) workspaceId = ref.workspaceId;
  else {
    await deps.access.requireOrganization(actor, "organization:read", ref.organization);
    const ws = await findWorkspaceByName(deps.db, ref.organization, ref.workspace);
    if (!ws) throw new NotFoundError("workspace", `${ref.organization}/${ref.workspace}`);
    workspaceId = ws.id;
  }
  const ws = await workspaceForVariables(deps, deps.db, actor, workspaceId, "variable:read");
  const rows = await listWorkspaceVariableRows(deps.db, ws.id);
  return rows.map((r) => toVariable(r, { kind: "workspace", id: ws.id }, deps.secrets));
}
