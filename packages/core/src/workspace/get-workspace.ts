import type { Actor, OrganizationName } from "@terrapod/kernel";
import type { WorkspaceDeps } from "./deps.ts";
import type { Workspace } from "./model.ts";
import { workspaceByNameFor, workspaceFor } from "./workspace-access.ts";

/** By id; hidden and missing workspaces both give NotFoundError. */
export async function getWorkspace(deps: WorkspaceDeps, actor: Actor, id: string): Promise<Workspace> {
  return workspaceFor(deps, actor, "workspace:read", id);
}

/** By organization and name; hidden and missing workspaces both give NotFoundError. */
export async function getWorkspaceByName(
  deps: WorkspaceDeps,
  actor: Actor,
  organization: OrganizationName,
  name: string,
): Promise<Workspace> {
  return workspaceByNameFor(deps, actor, "workspace:read", organization, name);
}
