import type { Actor, OrganizationName, PageRequest } from "@terrapod/kernel";
import { addTagWorkspaces } from "./add-tag-workspaces.ts";
import { deleteOrganizationTags } from "./delete-organization-tags.ts";
import type { TagDeps } from "./deps.ts";
import { listOrganizationTags } from "./list-organization-tags.ts";

export function createTagService(deps: TagDeps) {
  return {
    list: (
      actor: Actor,
      organization: OrganizationName,
      opts: {
        query?: string | undefined;
        excludeTaggableId?: string | undefined;
        workspaceId?: string | undefined;
      },
      page: PageRequest,
    ) => listOrganizationTags(deps, actor, organization, opts, page),
    delete: (actor: Actor, organization: OrganizationName, ids: readonly string[]) =>
      deleteOrganizationTags(deps, actor, organization, ids),
    addWorkspaces: (actor: Actor, tagId: string, workspaceIds: readonly string[]) =>
      addTagWorkspaces(deps, actor, tagId, workspaceIds),
  };
}

export type TagService = ReturnType<typeof createTagService>;
