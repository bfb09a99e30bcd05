import { boolean, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { organizations } from "./organizations.ts";

export const projects = pgTable(
  "projects",
  {
    id: text().primaryKey(),
    organizationId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    description: text().notNull().default(""),
    isDefault: boolean().notNull().default(false),
    createdAt: ts().notNull(),
    updatedAt: ts().notNull(),
  },
  (t) => [uniqueIndex("projects_org_name_key").on(t.organizationId, t.name)],
);

export type ProjectRow = typeof projects.$inferSelect;
