import { bigint, boolean, index, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { workspaces } from "./workspaces.ts";

export const configurationVersions = pgTable(
  "configuration_versions",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    status: text({ enum: ["pending", "uploaded", "errored", "archived"] }).notNull(),
    errorMessage: text(),
    autoQueueRuns: boolean().notNull().default(true),
    speculative: boolean().notNull().default(false),
    provisional: boolean().notNull().default(false),
    source: text().notNull().default("tfe-api"),
    size: bigint({ mode: "number" }),
    uploadStartedAt: ts(),
    createdAt: ts().notNull(),
    uploadedAt: ts(),
    /** The archive in storage: kept, hidden (restorable) or deleted for good. */
    backingData: text({ enum: ["present", "soft_deleted", "permanently_deleted"] })
      .notNull()
      .default("present"),
  },
  (t) => [index("configuration_versions_ws_created_idx").on(t.workspaceId, t.createdAt)],
);

export type ConfigurationVersionRow = typeof configurationVersions.$inferSelect;
