import { configurationVersions } from "@terrapod/db";
import { type Actor, ConflictError, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { type BackingDataAction, nextBackingData, transitionNotAllowed } from "../shared/backing-data.ts";
import { configurationVersionFor } from "./configuration-version-access.ts";
import type { ConfigurationVersionDeps } from "./deps.ts";
import { configurationInUse } from "./in-use.ts";
import { type ConfigurationVersion, configurationBlobKey } from "./model.ts";
import { findConfigurationVersion } from "./queries.ts";

/**
 * TFE's backing-data management for configuration versions (`actions/soft_delete_backing_data`,
 * `restore_backing_data`, `permanently_delete_backing_data`): a soft-deleted archive cannot be downloaded
 * or run until it is restored; a permanent delete removes it from storage. The workspace's current
 * version and versions unfinished runs use are never touched.
 */
export async function manageConfigurationBackingData(
  deps: ConfigurationVersionDeps,
  actor: Actor,
  id: string,
  action: BackingDataAction,
): Promise<ConfigurationVersion> {
  const workspaceId = await deps.db.transaction(async (tx) => {
    const cv = await configurationVersionFor(deps, actor, "configuration:manage-backing-data", id, {
      tx,
      lock: true,
    });
    if (cv.status !== "uploaded") {
      throw new ConflictError(
        `configuration version ${id} is ${cv.status}; only an uploaded configuration has backing data`,
        { id },
        transitionNotAllowed,
      );
    }
    const inUse = action === "restore" ? undefined : await configurationInUse(tx, cv.workspaceId, id);
    if (inUse) {
      throw new ConflictError(
        inUse === "current"
          ? "the backing data of the current configuration cannot be deleted"
          : "the backing data of a configuration that an unfinished run uses cannot be deleted",
        { id },
        transitionNotAllowed,
      );
    }
    const next = nextBackingData(`configuration version ${id}`, cv.backingData, action);
    await tx.update(configurationVersions).set({ backingData: next }).where(eq(configurationVersions.id, id));
    return cv.workspaceId;
  });
  if (action === "permanently_delete") await deps.blobs.delete(configurationBlobKey(workspaceId, id));
  const cv = await findConfigurationVersion(deps.db, id);
  if (!cv) throw new NotFoundError("configuration version", id);
  return cv;
}
