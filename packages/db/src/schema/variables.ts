import { pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { variableColumns } from "./columns.ts";
import { workspaces } from "./workspaces.ts";

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

export type VariableRow = typeof variables.$inferSelect;
export type NewVariableRow = typeof variables.$inferInsert;
