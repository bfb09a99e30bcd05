import { workspaces } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { WorkspaceDeps } from "./deps.ts";
import { WorkspaceNotSafeToDeleteError } from "./errors.ts";
import { workspaceFor } from "./workspace-access.ts";

/**
 * Deletes a workspace with its state, runs and variables. `safe` refuses when the workspace is locked or
 * its current state still manages resources (TFE safe-delete).
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
    }
    await tx.delete(workspaces).where(eq(workspaces.id, ws.id));
  });
  await deps.afterDelete(id);
}
