import { type Actor, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import type { WorkspaceAction } from "../access/index.ts";
import type { LoadOptions } from "../shared/load-options.ts";
import type { WorkspaceDeps } from "./deps.ts";
import type { Workspace } from "./model.ts";
import { findWorkspaceById, findWorkspaceByName, findWorkspaceForUpdate } from "./queries.ts";

type AccessDeps = Pick<WorkspaceDeps, "db" | "access">;

/**
 * Loads a workspace and checks the actor may do `action` on it. Missing and hidden workspaces both give
 * NotFoundError; a workspace the actor can read but may not act on gives ForbiddenError. `lock` row-locks
 * the workspace for the rest of the transaction.
 */
export async function workspaceFor(
  deps: AccessDeps,
  actor: Actor,
  action: WorkspaceAction,
  id: string,
  opts?: LoadOptions,
): Promise<Workspace> {
  const db = opts?.tx ?? deps.db;
  const ws = opts?.lock ? await findWorkspaceForUpdate(db, id) : await findWorkspaceById(db, id);
  if (!ws) throw new NotFoundError("workspace", id);
  await deps.access.requireWorkspace(actor, action, ws, { tx: opts?.tx });
  return ws;
}

/**
 * `workspaceFor` with the workspace addressed by organization and name: the organization must be
 * readable first, and a missing workspace is NotFound as `<organization>/<name>`.
 */
export async function workspaceByNameFor(
  deps: AccessDeps,
  actor: Actor,
  action: WorkspaceAction,
  organization: OrganizationName,
  name: string,
): Promise<Workspace> {
  await deps.access.requireOrganization(actor, "organization:read", organization);
  const ws = await findWorkspaceByName(deps.db, organization, name);
  if (!ws) throw new NotFoundError("workspace", `${organization}/${name}`);
  await deps.access.requireWorkspace(actor, action, ws);
  return ws;
}
