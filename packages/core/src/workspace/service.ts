import type { Actor, OrganizationName, PageRequest } from "@terrapod/kernel";
import { canReadRemoteState } from "./can-read-remote-state.ts";
import { createWorkspace } from "./create-workspace.ts";
import { deleteWorkspace } from "./delete-workspace.ts";
import type { WorkspaceDeps } from "./deps.ts";
import { getWorkspace, getWorkspaceByName } from "./get-workspace.ts";
import { listWorkspaces } from "./list-workspaces.ts";
import { forceUnlockWorkspace, lockWorkspace, unlockWorkspace } from "./lock-workspace.ts";
import type { Workspace } from "./model.ts";
import { readWorkspacePermissions } from "./read-workspace-permissions.ts";
import {
  type ConsumerChange,
  type ConsumerIdsInput,
  changeRemoteStateConsumers,
  listRemoteStateConsumers,
} from "./remote-state-consumers.ts";
import type { CreateWorkspaceInput, ListWorkspacesInput, UpdateWorkspaceInput } from "./schemas.ts";
import { updateWorkspace } from "./update-workspace.ts";
import { addWorkspaceTags, removeWorkspaceTags, type TagRefsInput } from "./workspace-tags.ts";

export function createWorkspaceService(deps: WorkspaceDeps) {
  return {
    create: (actor: Actor, organization: OrganizationName, input: CreateWorkspaceInput) =>
      createWorkspace(deps, actor, organization, input),
    get: (actor: Actor, id: string) => getWorkspace(deps, actor, id),
    getByName: (actor: Actor, organization: OrganizationName, name: string) =>
      getWorkspaceByName(deps, actor, organization, name),
    list: (actor: Actor, organization: OrganizationName, input: ListWorkspacesInput, page: PageRequest) =>
      listWorkspaces(deps, actor, organization, input, page),
    update: (actor: Actor, id: string, input: UpdateWorkspaceInput) =>
      updateWorkspace(deps, actor, id, input),
    delete: (actor: Actor, id: string, opts: { safe: boolean }) => deleteWorkspace(deps, actor, id, opts),
    lock: (actor: Actor, id: string, input: { reason?: string | undefined }) =>
      lockWorkspace(deps, actor, id, input),
    unlock: (actor: Actor, id: string) => unlockWorkspace(deps, actor, id),
    forceUnlock: (actor: Actor, id: string) => forceUnlockWorkspace(deps, actor, id),
    addTags: (actor: Actor, id: string, refs: TagRefsInput) => addWorkspaceTags(deps, actor, id, refs),
    removeTags: (actor: Actor, id: string, refs: TagRefsInput) => removeWorkspaceTags(deps, actor, id, refs),
    permissions: (actor: Actor, ws: Workspace) => readWorkspacePermissions(deps, actor, ws),
    remoteStateConsumers: (actor: Actor, id: string, page: PageRequest) =>
      listRemoteStateConsumers(deps, actor, id, page),
    changeRemoteStateConsumers: (actor: Actor, id: string, change: ConsumerChange, ids: ConsumerIdsInput) =>
      changeRemoteStateConsumers(deps, actor, id, change, ids),
    /** May a run of workspace `readerId` read the state outputs of workspace `sourceId`? */
    canReadRemoteState: (readerId: string, sourceId: string) => canReadRemoteState(deps, readerId, sourceId),
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
