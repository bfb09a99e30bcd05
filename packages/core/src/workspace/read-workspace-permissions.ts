import type { Actor } from "@terrapod/kernel";
import { atLeast } from "../access/index.ts";
import { adminsMayForceDelete } from "./delete-workspace.ts";
import type { WorkspaceDeps } from "./deps.ts";
import type { Workspace, WorkspacePermissions } from "./model.ts";

export async function readWorkspacePermissions(
  deps: WorkspaceDeps,
  actor: Actor,
  ws: Workspace,
): Promise<WorkspacePermissions> {
  const level = await deps.access.workspaceLevel(actor, ws);
  const read = atLeast(level, "read");
  const plan = atLeast(level, "plan");
  const write = atLeast(level, "write");
  const admin = atLeast(level, "admin");
  return {
    level,
    canRead: read,
    canQueueRun: plan,
    canQueueApply: write,
    canQueueDestroy: write,
    canLock: write,
    canUnlock: write,
    canForceUnlock: admin,
    canUpdate: admin,
    canDestroy: admin,
    canForceDelete: admin && (await mayForceDelete(deps, actor, ws)),
    canReadStateVersions: read,
    canReadVariable: read,
    canUpdateVariable: admin,
  };
}

/** Owners always may; other workspace admins when the organization allows it (checked only for them). */
async function mayForceDelete(deps: WorkspaceDeps, actor: Actor, ws: Workspace): Promise<boolean> {
  if (await deps.access.canOnOrganization(actor, "workspace:force-delete", ws.organization)) return true;
  return adminsMayForceDelete(deps.db, ws);
}
