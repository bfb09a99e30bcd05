import { stateVersions } from "@terrapod/db";
import { type Actor, ConflictError, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { type BackingDataAction, nextBackingData, transitionNotAllowed } from "../shared/backing-data.ts";
import { findWorkspaceById } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import { jsonStateBlobKey, type StateVersion, stateBlobKey } from "./model.ts";
import { findStateVersion } from "./queries.ts";
import { stateVersionFor } from "./state-version-access.ts";

/**
 * TFE's backing-data management (`actions/soft_delete_backing_data`, `restore_backing_data`,
 * `permanently_delete_backing_data`): a soft-deleted state file cannot be downloaded or rolled back to
 * until it is restored; a permanent delete removes it from storage. The workspace's current state is
 * never touched: the CLI needs it.
 */
export async function manageStateBackingData(
  deps: StateVersionDeps,
  actor: Actor,
  id: string,
  action: BackingDataAction,
): Promise<StateVersion> {
  let workspaceId = "";
  await deps.db.transaction(async (tx) => {
    // Locks the workspace, then the version (as finalizing does).
    const sv = await stateVersionFor(deps, actor, "state:manage-backing-data", id, { tx, lock: true });
    if (sv.status !== "finalized") {
      throw new ConflictError(
        `state version ${id} is ${sv.status}; only a finalized version has backing data`,
        { id },
        transitionNotAllowed,
      );
    }
    const ws = await findWorkspaceById(tx, sv.workspaceId);
    if (ws?.currentStateVersionId === id && action !== "restore") {
      throw new ConflictError(
        `state version ${id} is the workspace's current state; its backing data cannot be deleted`,
        { id },
        transitionNotAllowed,
      );
    }
    const next = nextBackingData(`state version ${id}`, sv.backingData, action);
    await tx.update(stateVersions).set({ backingData: next }).where(eq(stateVersions.id, id));
    workspaceId = sv.workspaceId;
  });
  if (action === "permanently_delete") {
    await deps.blobs.delete(stateBlobKey(workspaceId, id));
    await deps.blobs.delete(jsonStateBlobKey(workspaceId, id));
  }
  const sv = await findStateVersion(deps.db, id);
  if (!sv) throw new NotFoundError("state version", id);
  return sv;
}
