import { index, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { organizations } from "./organizations.ts";
import { workspaces } from "./workspaces.ts";

/** Organization-wide tag names; `workspace_tags` attaches them to workspaces. */
export const tags = pgTable(
  "tags",
  {
    id: text().primaryKey(),
    organizationId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    createdAt: ts().notNull(),
  },
  (t) => [uniqueIndex("tags_org_name_key").on(t.organizationId, t.name)],
);

export const workspaceTags = pgTable(
  "workspace_tags",
  {
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    tagId: text()
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.tagId] }), index("workspace_tags_tag_idx").on(t.tagId)],
);

export type TagRow = typeof tags.$inferSelect;
