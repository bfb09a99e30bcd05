import { type Executor, workspaces } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { findOrganizationByName } from "../organization/index.ts";
import type { WorkspaceDeps } from "./deps.ts";
import { WorkspaceNotSafeToDeleteError } from "./errors.ts";
import type { Workspace } from "./model.ts";
import { workspaceFor } from "./workspace-access.ts";

/**
 * Deletes a workspace with its state, runs and variables. `safe` refuses when the workspace is locked or
 * its current state still manages resources (TFE safe-delete). A force delete (`safe: false`) of a
 * workspace that still manages resources needs an organization owner, unless the organization's
 * `allow-force-delete-workspaces` lets workspace admins do it (TFE's rule).
 */
export async function deleteWorkspace(
  deps: WorkspaceDeps,
  actor: Actor,
  id: string,
  opts: { safe: boolean },
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const ws = await workspaceFor(deps, actor, "workspace:delete", id, { tx, lock: true });
    if (opts.safe) {
      if (ws.lock) throw new WorkspaceNotSafeToDeleteError("locked");
      if (ws.resourceCount > 0) throw new WorkspaceNotSafeToDeleteError("resources");
    } else if (ws.resourceCount > 0 && !(await adminsMayForceDelete(tx, ws))) {
      await deps.access.requireOrganization(actor, "workspace:force-delete", ws.organization);
    }
    await tx.delete(workspaces).where(eq(workspaces.id, ws.id));
  });
  await deps.afterDelete(id);
}

/** The organization's `allow-force-delete-workspaces` (read in `db`: the caller's transaction, if any). */
export async function adminsMayForceDelete(db: Executor, ws: Workspace): Promise<boolean> {
  const org = await findOrganizationByName(db, ws.organization);
  return org?.allowForceDeleteWorkspaces ?? false;
}
