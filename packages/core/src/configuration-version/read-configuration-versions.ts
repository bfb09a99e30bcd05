import {
  type Actor,
  type ConfigurationVersionId,
  NotFoundError,
  type Page,
  type PageRequest,
} from "@terrapod/kernel";
import { atLeast, type WorkspaceSubject, workspaceActionLevels } from "../access/index.ts";
import { workspaceFor } from "../workspace/index.ts";
import { configurationVersionFor } from "./configuration-version-access.ts";
import type { ConfigurationVersionDeps } from "./deps.ts";
import { type ConfigurationVersion, configurationBlobKey } from "./model.ts";
import {
  currentConfigurationVersionIds,
  findConfigurationVersion,
  listConfigurationVersionRows,
} from "./queries.ts";

export async function getConfigurationVersion(
  deps: ConfigurationVersionDeps,
  actor: Actor,
  id: string,
): Promise<ConfigurationVersion> {
  return configurationVersionFor(deps, actor, "run:read", id);
}

export async function listConfigurationVersions(
  deps: ConfigurationVersionDeps,
  actor: Actor,
  workspaceId: string,
  page: PageRequest,
): Promise<Page<ConfigurationVersion>> {
  await workspaceFor(deps, actor, "run:read", workspaceId);
  const { items, total } = await listConfigurationVersionRows(deps.db, workspaceId, page);
  return { items, total, page: page.page, size: page.size };
}

/** The archive of an uploaded version: for its download capability, a job of its run, or readers of the workspace. */
export async function downloadConfiguration(
  deps: ConfigurationVersionDeps,
  actor: Actor,
  id: string,
): Promise<ReadableStream<Uint8Array>> {
  const cv = await findConfigurationVersion(deps.db, id);
  // Archived, soft-deleted or permanently deleted archives read as missing, as in TFE.
  if (cv?.status !== "uploaded" || cv.backingData !== "present") {
    throw new NotFoundError("configuration version", id);
  }
  const viaCapability =
    actor.kind === "capability" && actor.purpose === "configuration-download" && actor.resourceId === id;
  if (!viaCapability) await configurationVersionFor(deps, actor, "run:read", id);
  const stream = await deps.blobs.get(configurationBlobKey(cv.workspaceId, id));
  if (!stream) throw new NotFoundError("configuration archive", id);
  return stream;
}

/**
 * The current configuration version of each workspace the caller may read (the workspace's
 * `current-configuration-version`); workspaces without one are absent from the map.
 */
export async function listCurrentConfigurationVersionIds(
  deps: ConfigurationVersionDeps,
  actor: Actor,
  workspaces: readonly WorkspaceSubject[],
): Promise<Map<string, ConfigurationVersionId>> {
  const readable: string[] = [];
  for (const ws of workspaces) {
    if (atLeast(await deps.access.workspaceLevel(actor, ws), workspaceActionLevels["run:read"])) {
      readable.push(ws.id);
    }
  }
  return currentConfigurationVersionIds(deps.db, readable);
}
