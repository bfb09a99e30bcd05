import { workspaces } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { WorkspaceDeps } from "./deps.ts";
import { WorkspaceNotSafeToDeleteError } from "./errors.ts";
import { findWorkspaceForUpdate } from "./queries.ts";

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
    const ws = await findWorkspaceForUpdate(tx, id);
    if (!ws) throw new NotFoundError("workspace", id);
    await deps.access.requireWorkspace(actor, "workspace:delete", ws);
    if (opts.safe) {
      if (ws.lock) throw new WorkspaceNotSafeToDeleteError("locked");
      if (ws.resourceCount > 0) throw new WorkspaceNotSafeToDeleteError("resources");
    }
    await tx.delete(workspaces).where(eq(workspaces.id, ws.id));
  });
  await deps.afterDelete(id);
}
