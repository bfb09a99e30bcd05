import { boolean, index, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { organizations } from "./organizations.ts";
import { projects, workspaces } from "./workspaces.ts";

const ts = () => timestamp({ withTimezone: true, precision: 3 });

/** The columns a workspace variable and a variable-set variable share. */
const variableColumns = () => ({
  id: text().primaryKey(),
  key: text().notNull(),
  /** Sealed with the SecretBox (AAD names the variable id) for every variable, sensitive or not. */
  value: text().notNull(),
  category: text({ enum: ["terraform", "env"] }).notNull(),
  hcl: boolean().notNull().default(false),
  sensitive: boolean().notNull().default(false),
  description: text().notNull().default(""),
  /** Content hash chained over the previous version: changes on every update. */
  versionId: text().notNull(),
  createdAt: ts().notNull(),
  updatedAt: ts().notNull(),
});

export const variables = pgTable(
  "variables",
  {
    ...variableColumns(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
  },
  (t) => [uniqueIndex("variables_ws_category_key_key").on(t.workspaceId, t.category, t.key)],
);

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

export type VariableRow = typeof variables.$inferSelect;
export type NewVariableRow = typeof variables.$inferInsert;
export type VariableSetRow = typeof variableSets.$inferSelect;
export type VariableSetVariableRow = typeof variableSetVariables.$inferSelect;
