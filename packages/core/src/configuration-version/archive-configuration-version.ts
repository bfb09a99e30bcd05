import { configurationVersions } from "@terrapod/db";
import { type Actor, ConflictError, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { transitionNotAllowed } from "../shared/backing-data.ts";
import { configurationVersionFor } from "./configuration-version-access.ts";
import type { ConfigurationVersionDeps } from "./deps.ts";
import { configurationInUse } from "./in-use.ts";
import { type ConfigurationVersion, configurationBlobKey } from "./model.ts";
import { findConfigurationVersion } from "./queries.ts";

/**
 * `actions/archive`: drops the archive of an uploaded configuration version that is no longer needed. The
 * workspace's current version and versions that runs still execute are kept; the version then reads as
 * `archived` and cannot be downloaded or run again.
 */
export async function archiveConfigurationVersion(
  deps: ConfigurationVersionDeps,
  actor: Actor,
  id: string,
): Promise<ConfigurationVersion> {
  const archivedIn = await deps.db.transaction(async (tx) => {
    const cv = await configurationVersionFor(deps, actor, "configuration:archive", id, { tx, lock: true });
    if (cv.status === "archived") return undefined;
    if (cv.status !== "uploaded") {
      throw new ConflictError(
        `configuration version ${id} is ${cv.status}; only an uploaded configuration can be archived`,
        { id },
        transitionNotAllowed,
      );
    }
    const inUse = await configurationInUse(tx, cv.workspaceId, id);
    if (inUse) {
      throw new ConflictError(
        inUse === "current"
          ? "configuration could not be archived because it is current"
          : "configuration could not be archived because a run that has not finished uses it",
        { id },
        transitionNotAllowed,
      );
    }
    await tx
      .update(configurationVersions)
      .set({ status: "archived" })
      .where(eq(configurationVersions.id, id));
    return cv.workspaceId;
  });
  if (archivedIn) await deps.blobs.delete(configurationBlobKey(archivedIn, id));
  const cv = await findConfigurationVersion(deps.db, id);
  if (!cv) throw new NotFoundError("configuration version", id);
  return cv;
}
