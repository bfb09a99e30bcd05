import { boolean, index, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts, variableColumns } from "./columns.ts";
import { organizations } from "./organizations.ts";
import { projects } from "./projects.ts";
import { workspaces } from "./workspaces.ts";

export const variableSets = pgTable(
  "variable_sets",
  {
    id: text().primaryKey(),
    organizationId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    description: text().notNull().default(""),
    global: boolean().notNull().default(false),
    priority: boolean().notNull().default(false),
    createdAt: ts().notNull(),
    updatedAt: ts().notNull(),
  },
  (t) => [uniqueIndex("variable_sets_org_name_key").on(t.organizationId, t.name)],
);

export const variableSetVariables = pgTable(
  "variable_set_variables",
  {
    ...variableColumns(),
    varsetId: text()
      .notNull()
      .references(() => variableSets.id, { onDelete: "cascade" }),
  },
  (t) => [uniqueIndex("variable_set_variables_set_category_key_key").on(t.varsetId, t.category, t.key)],
);

export const variableSetWorkspaces = pgTable(
  "variable_set_workspaces",
  {
    varsetId: text()
      .notNull()
      .references(() => variableSets.id, { onDelete: "cascade" }),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.varsetId, t.workspaceId] }),
    index("variable_set_workspaces_ws_idx").on(t.workspaceId),
  ],
);

export const variableSetProjects = pgTable(
  "variable_set_projects",
  {
    varsetId: text()
      .notNull()
      .references(() => variableSets.id, { onDelete: "cascade" }),
    projectId: text()
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.varsetId, t.projectId] }),
    index("variable_set_projects_prj_idx").on(t.projectId),
  ],
);

export type VariableSetRow = typeof variableSets.$inferSelect;
export type VariableSetVariableRow = typeof variableSetVariables.$inferSelect;
