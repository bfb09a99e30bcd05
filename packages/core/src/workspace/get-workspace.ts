import { type Actor, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import type { WorkspaceDeps } from "./deps.ts";
import type { Workspace } from "./model.ts";
import { findWorkspaceById, findWorkspaceByName } from "./queries.ts";

/** By id; hidden and missing workspaces both give NotFoundError. */
export async function getWorkspace(deps: WorkspaceDeps, actor: Actor, id: string): Promise<Workspace> {
  const ws = await findWorkspaceById(deps.db, id);
  if (!ws) throw new NotFoundError("workspace", id);
  await deps.access.requireWorkspace(actor, "workspace:read", ws);
  return ws;
}

/** By organization and name; hidden and missing workspaces both give NotFoundError. */
export async function getWorkspaceByName(
  deps: WorkspaceDeps,
  actor: Actor,
  organization: OrganizationName,
  name: string,
): Promise<Workspace> {
  await deps.access.requireOrganization(actor, "organization:read", organization);
  const ws = await findWorkspaceByName(deps.db, organization, name);
  if (!ws) throw new NotFoundError("workspace", `${organization}/${name}`);
  await deps.access.requireWorkspace(actor, "workspace:read", ws);
  return ws;
}
