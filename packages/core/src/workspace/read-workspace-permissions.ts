import type { Actor } from "@terrapod/kernel";
import { atLeast } from "../access/index.ts";
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
    canReadStateVersions: read,
    canReadVariable: read,
    canUpdateVariable: admin,
  };
}
