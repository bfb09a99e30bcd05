import type { Actor, OrganizationName, PageRequest, WorkspaceId } from "@terrapod/kernel";
import type { BackingDataAction } from "../shared/backing-data.ts";
import { type CreateStateVersionInput, createStateVersion } from "./create-state-version.ts";
import type { StateVersionDeps } from "./deps.ts";
import { downloadStateContent } from "./download-state.ts";
import type { FinalizeGuard } from "./finalize-state-version.ts";
import { listWorkspaceResources } from "./list-workspace-resources.ts";
import { manageStateBackingData } from "./manage-backing-data.ts";
import { hasRecentPendingStateVersion } from "./queries.ts";
import {
  getStateVersionOutput,
  listCurrentStateVersionOutputs,
  listStateVersionOutputs,
} from "./read-outputs.ts";
import { getCurrentStateVersion, getStateVersion, listStateVersions } from "./read-state-versions.ts";
import { rollbackStateVersion } from "./rollback-state-version.ts";
import { saveRunState } from "./save-run-state.ts";
import { withUploadsOf, withUploadsPage } from "./upload-access.ts";
import { uploadJsonStateContent, uploadStateContent } from "./upload-state.ts";

export function createStateVersionService(deps: StateVersionDeps) {
  return {
    // Versions answered to a caller carry the uploads it may make (upload-access.ts).
    create: async (actor: Actor, workspaceId: string, input: CreateStateVersionInput) =>
      withUploadsOf(deps, actor, await createStateVersion(deps, actor, workspaceId, input)),
    upload: (actor: Actor, id: string, body: ReadableStream<Uint8Array>) =>
      uploadStateContent(deps, actor, id, body),
    uploadJson: (actor: Actor, id: string, body: ReadableStream<Uint8Array>) =>
      uploadJsonStateContent(deps, actor, id, body),
    download: (actor: Actor, id: string, kind: "raw" | "json") => downloadStateContent(deps, actor, id, kind),
    get: async (actor: Actor, id: string) =>
      withUploadsOf(deps, actor, await getStateVersion(deps, actor, id)),
    current: async (actor: Actor, workspaceId: string) =>
      withUploadsOf(deps, actor, await getCurrentStateVersion(deps, actor, workspaceId)),
    list: async (
      actor: Actor,
      ref: { organization: OrganizationName; workspace: string } | { workspaceId: WorkspaceId },
      page: PageRequest,
    ) => withUploadsPage(deps, actor, await listStateVersions(deps, actor, ref, page)),
    outputs: (actor: Actor, stateVersionId: string) => listStateVersionOutputs(deps, actor, stateVersionId),
    currentOutputs: (actor: Actor, workspaceId: string) =>
      listCurrentStateVersionOutputs(deps, actor, workspaceId),
    output: (actor: Actor, id: string) => getStateVersionOutput(deps, actor, id),
    rollback: async (actor: Actor, workspaceId: string, targetId: string) =>
      withUploadsOf(deps, actor, await rollbackStateVersion(deps, actor, workspaceId, targetId)),
    /** The managed resource instances of a workspace's current state. */
    resources: (actor: Actor, workspaceId: string, page: PageRequest) =>
      listWorkspaceResources(deps, actor, workspaceId, page),
    manageBackingData: (actor: Actor, id: string, action: BackingDataAction) =>
      manageStateBackingData(deps, actor, id, action),
    /** For the run domain: the state an apply produced. */
    saveRunState: (
      runId: string,
      workspaceId: string,
      body: ReadableStream<Uint8Array>,
      guard?: FinalizeGuard,
    ) => saveRunState(deps, runId, workspaceId, body, guard),
    /** For the workspace domain: is a state upload still in flight? */
    hasPendingUpload: (workspaceId: string) =>
      hasRecentPendingStateVersion(deps.db, workspaceId, deps.clock.now()),
  };
}

export type StateVersionService = ReturnType<typeof createStateVersionService>;
