import { tags } from "@terrapod/db";
import type { Actor, OrganizationName } from "@terrapod/kernel";
import { and, eq, inArray } from "drizzle-orm";
import { organizationFor } from "../organization/index.ts";
import type { TagDeps } from "./deps.ts";

/** Deletes tags (and their workspace assignments) from an organization. */
export async function deleteOrganizationTags(
  deps: TagDeps,
  actor: Actor,
  organization: OrganizationName,
  tagIds: readonly string[],
): Promise<void> {
  const org = await organizationFor(deps, actor, "organization:manage-tags", organization);
  if (tagIds.length === 0) return;
  await deps.db.delete(tags).where(and(eq(tags.organizationId, org.id), inArray(tags.id, [...tagIds])));
}
