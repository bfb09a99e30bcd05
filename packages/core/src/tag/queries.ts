import { type Executor, organizations, tags, workspaceTags } from "@terrapod/db";
import type { IdGenerator, OrganizationName, TagId } from "@terrapod/kernel";
import { and, eq, inArray } from "drizzle-orm";
import type { Tag } from "./model.ts";

export async function findTag(db: Executor, id: string): Promise<Tag | undefined> {
  const [row] = await db
    .select({
      id: tags.id,
      name: tags.name,
      organizationId: tags.organizationId,
      orgName: organizations.name,
    })
    .from(tags)
    .innerJoin(organizations, eq(organizations.id, tags.organizationId))
    .where(eq(tags.id, id))
    .limit(1);
  if (!row) return undefined;
  return {
    id: row.id as TagId,
    name: row.name,
    organization: row.orgName as OrganizationName,
    organizationId: row.organizationId,
  };
}

/** Returns the ids of the named tags in the organization, creating the missing ones. */
export async function ensureTags(
  db: Executor,
  ids: IdGenerator,
  organizationId: string,
  names: readonly string[],
  now: Date,
): Promise<string[]> {
  const unique = [...new Set(names.map((n) => n.toLowerCase()))];
  if (unique.length === 0) return [];
  await db
    .insert(tags)
    .values(unique.map((name) => ({ id: ids("tag"), organizationId, name, createdAt: now })))
    .onConflictDoNothing({ target: [tags.organizationId, tags.name] });
  const rows = await db
    .select({ id: tags.id })
    .from(tags)
    .where(and(eq(tags.organizationId, organizationId), inArray(tags.name, unique)));
  return rows.map((r) => r.id);
}

export async function attachTags(
  db: Executor,
  workspaceId: string,
  tagIds: readonly string[],
): Promise<void> {
  if (tagIds.length === 0) return;
  await db
    .insert(workspaceTags)
    .values(tagIds.map((tagId) => ({ workspaceId, tagId })))
    .onConflictDoNothing();
}

export async function detachTags(
  db: Executor,
  workspaceId: string,
  tagIds: readonly string[],
): Promise<void> {
  if (tagIds.length === 0) return;
  await db
    .delete(workspaceTags)
    .where(and(eq(workspaceTags.workspaceId, workspaceId), inArray(workspaceTags.tagId, [...tagIds])));
}

/** Ids of existing tags of the organization matching the names or ids given; unknown ones are skipped. */
export async function findTagIds(
  db: Executor,
  organizationId: string,
  ref: { names?: readonly string[]; ids?: readonly string[] },
): Promise<string[]> {
  const out = new Set<string>();
  const names = [...new Set((ref.names ?? []).map((n) => n.toLowerCase()))];
  if (names.length > 0) {
    const rows = await db
      .select({ id: tags.id })
      .from(tags)
      .where(and(eq(tags.organizationId, organizationId), inArray(tags.name, names)));
    for (const r of rows) out.add(r.id);
  }
  const ids = [...new Set(ref.ids ?? [])];
  if (ids.length > 0) {
    const rows = await db
      .select({ id: tags.id })
      .from(tags)
      .where(and(eq(tags.organizationId, organizationId), inArray(tags.id, ids)));
    for (const r of rows) out.add(r.id);
  }
  return [...out];
}
