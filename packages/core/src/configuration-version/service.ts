import type { Actor, PageRequest } from "@terrapod/kernel";
import {
  type CreateConfigurationVersionInput,
  createConfigurationVersion,
} from "./create-configuration-version.ts";
import type { ConfigurationVersionDeps } from "./deps.ts";
import {
  downloadConfiguration,
  getConfigurationVersion,
  listConfigurationVersions,
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
  };
}

export type ConfigurationVersionService = ReturnType<typeof createConfigurationVersionService>;
