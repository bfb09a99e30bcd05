import type { Executor } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { Workspace } from "../workspace/model.ts";
import { findWorkspaceById, findWorkspaceForUpdate } from "../workspace/queries.ts";
import type { VariableDeps } from "./deps.ts";

/**
 * Loads a workspace and checks the actor may read (`variable:read`) or write (`variable:write`) its
 * variables. Missing and hidden workspaces both give NotFoundError. `lock` row-locks the workspace, which
 * serializes concurrent writes to its variables.
 */
export async function workspaceForVariables(
  deps: VariableDeps,
  db: Executor,
  actor: Actor,
  workspaceId: string,
  action: "variable:read" | "variable:write",
  opts: { lock?: boolean } = {},
): Promise<Workspace> {
  const ws = opts.lock
    ? await findWorkspaceForUpdate(db, workspaceId)
    : await findWorkspaceById(db, workspaceId);
  if (!ws) throw new NotFoundError("workspace", workspaceId);
  await deps.access.requireWorkspace(actor, action, ws);
  return ws;
}
