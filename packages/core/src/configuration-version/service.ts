import type { Actor, PageRequest } from "@terrapod/kernel";
import type { WorkspaceSubject } from "../access/index.ts";
import type { BackingDataAction } from "../shared/backing-data.ts";
import { archiveConfigurationVersion } from "./archive-configuration-version.ts";
import {
  type CreateConfigurationVersionInput,
  createConfigurationVersion,
} from "./create-configuration-version.ts";
import type { ConfigurationVersionDeps } from "./deps.ts";
import { manageConfigurationBackingData } from "./manage-backing-data.ts";
import {
  downloadConfiguration,
  getConfigurationVersion,
  listConfigurationVersions,
  listCurrentConfigurationVersionIds,
} from "./read-configuration-versions.ts";
import { uploadConfiguration } from "./upload-configuration.ts";

export function createConfigurationVersionService(deps: ConfigurationVersionDeps) {
  return {
    create: (actor: Actor, workspaceId: string, input: CreateConfigurationVersionInput) =>
      createConfigurationVersion(deps, actor, workspaceId, input),
    upload: (actor: Actor, id: string, body: ReadableStream<Uint8Array>) =>
      uploadConfiguration(deps, actor, id, body),
    get: (actor: Actor, id: string) => getConfigurationVersion(deps, actor, id),
    list: (actor: Actor, workspaceId: string, page: PageRequest) =>
      listConfigurationVersions(deps, actor, workspaceId, page),
    download: (actor: Actor, id: string) => downloadConfiguration(deps, actor, id),
    archive: (actor: Actor, id: string) => archiveConfigurationVersion(deps, actor, id),
    manageBackingData: (actor: Actor, id: string, action: BackingDataAction) =>
      manageConfigurationBackingData(deps, actor, id, action),
    /** The `current-configuration-version` of each workspace the caller may read. */
    currentIds: (actor: Actor, workspaces: readonly WorkspaceSubject[]) =>
      listCurrentConfigurationVersionIds(deps, actor, workspaces),
  };
}

export type ConfigurationVersionService = ReturnType<typeof createConfigurationVersionService>;
