import { workspaces } from "@terrapod/db";
import { type Actor, NotFoundError, type WorkspaceId } from "@terrapod/kernel";
import { and, eq, inArray } from "drizzle-orm";
import type { TagDeps } from "./deps.ts";
import { attachTags } from "./queries.ts";
import { tagFor } from "./tag-access.ts";

/** Attaches one tag to several workspaces of its organization. */
export async function addTagWorkspaces(
  deps: TagDeps,
  actor: Actor,
  tagId: string,
  workspaceIds: readonly string[],
): Promise<void> {
  const tag = await tagFor(deps, actor, "organization:read", tagId);
  const found = await deps.db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(and(eq(workspaces.organizationId, tag.organizationId), inArray(workspaces.id, [...workspaceIds])));
  if (found.length !== new Set(workspaceIds).size)
    throw new NotFoundError("workspace", workspaceIds.join(","));
  for (const w of found) {
    await deps.access.requireWorkspace(actor, "workspace:update", {
      id: w.id as WorkspaceId,
      organization: tag.organization,
    });
  }
  await deps.db.transaction(async (tx) => {
    for (const w of found) await attachTags(tx, w.id, [tag.id]);
  });
}
