import { tags, workspaceTags } from "@terrapod/db";
import type { Actor, OrganizationName, Page, PageRequest, TagId } from "@terrapod/kernel";
import { and, asc, count, eq, exists, ilike, notExists, type SQL, sql } from "drizzle-orm";
import { organizationFor } from "../organization/index.ts";
import type { TagDeps } from "./deps.ts";
import type { OrganizationTag } from "./model.ts";

export async function listOrganizationTags(
  deps: TagDeps,
  actor: Actor,
  organization: OrganizationName,
  opts: {
    query?: string | undefined;
    excludeTaggableId?: string | undefined;
    workspaceId?: string | undefined;
  },
  page: PageRequest,
): Promise<Page<OrganizationTag>> {
  const org = await organizationFor(deps, actor, "organization:read", organization);
  const conds: SQL[] = [eq(tags.organizationId, org.id)];
  if (opts.query) conds.push(ilike(tags.name, `%${opts.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (opts.excludeTaggableId) {
    conds.push(
      notExists(
        deps.db
          .select({ one: sql`1` })
          .from(workspaceTags)
          .where(
            and(eq(workspaceTags.tagId, tags.id), eq(workspaceTags.workspaceId, opts.excludeTaggableId)),
          ),
      ),
    );
  }
  if (opts.workspaceId) {
    conds.push(
      exists(
        deps.db
          .select({ one: sql`1` })
          .from(workspaceTags)
          .where(and(eq(workspaceTags.tagId, tags.id), eq(workspaceTags.workspaceId, opts.workspaceId))),
      ),
    );
  }
  const where = and(...conds);
  const instanceCount = sql<number>`(select count(*)::int from ${workspaceTags} wt where wt.tag_id = ${tags.id})`;
  const [rows, [totals]] = await Promise.all([
    deps.db
      .select({ id: tags.id, name: tags.name, instanceCount })
      .from(tags)
      .where(where)
      .orderBy(asc(tags.name))
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    deps.db.select({ n: count() }).from(tags).where(where),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id as TagId,
      name: r.name,
      organization,
      instanceCount: Number(r.instanceCount),
    })),
    total: totals?.n ?? 0,
    page: page.page,
    size: page.size,
  };
}
