import { organizations, tags, workspaces } from "@terrapod/db";
import { type Actor, NotFoundError, type OrganizationName, type WorkspaceId } from "@terrapod/kernel";
import { and, eq, inArray } from "drizzle-orm";
import type { TagDeps } from "./deps.ts";
import { attachTags } from "./queries.ts";

/** Attaches one tag to several workspaces of its organization. */
export async function addTagWorkspaces(
  deps: TagDeps,
  actor: Actor,
  tagId: string,
  workspaceIds: readonly string[],
): Promise<void> {
  const [tag] = await deps.db
    .select({ id: tags.id, organizationId: tags.organizationId, orgName: organizations.name })
    .from(tags)
    .innerJoin(organizations, eq(organizations.id, tags.organizationId))
    .where(eq(tags.id, tagId))
    .limit(1);
  if (!tag) throw new NotFoundError("tag", tagId);
  const organization = tag.orgName as OrganizationName;
  await deps.access.requireOrganization(actor, "organization:read", organization);
  const found = await deps.db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(and(eq(workspaces.organizationId, tag.organizationId), inArray(workspaces.id, [...workspaceIds])));
  if (found.length !== new Set(workspaceIds).size)
    throw new NotFoundError("workspace", workspaceIds.join(","));
  for (const w of found) {
    await deps.access.requireWorkspace(actor, "workspace:update", { id: w.id as WorkspaceId, organization });
  }
  await deps.db.transaction(async (tx) => {
    for (const w of found) await attachTags(tx, w.id, [tag.id]);
  });
}
