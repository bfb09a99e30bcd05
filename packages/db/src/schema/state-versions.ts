import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { workspaces } from "./workspaces.ts";

export type StateResourceSummary = {
  name: string;
  type: string;
  count: number;
  module: string;
  provider: string;
  mode: string;
  /** The instances' `index_key`s (count/for_each), in state order; absent when they have none. */
  indexKeys?: (string | number)[];
};

export const stateVersions = pgTable(
  "state_versions",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    serial: bigint({ mode: "number" }).notNull(),
    lineage: text(),
    md5: text().notNull(),
    force: boolean().notNull().default(false),
    status: text({ enum: ["pending", "finalized", "discarded"] }).notNull(),
    size: bigint({ mode: "number" }),
    jsonStateSize: bigint({ mode: "number" }),
    /** Outputs announced by the client (`json-state-outputs`), encrypted; applied when the state lands. */
    pendingOutputs: text(),
    terraformVersion: text(),
    stateFormatVersion: integer(),
    resources: jsonb().$type<StateResourceSummary[]>(),
    resourcesProcessed: boolean().notNull().default(false),
    runId: text(),
    /** Set while a content upload streams in, so two uploads of one version cannot interleave. */
    uploadStartedAt: ts(),
    createdBy: text(),
    createdAt: ts().notNull(),
    finalizedAt: ts(),
    /** The state file in storage: kept, hidden (restorable) or deleted for good. */
    backingData: text({ enum: ["present", "soft_deleted", "permanently_deleted"] })
      .notNull()
      .default("present"),
  },
  (t) => [index("state_versions_ws_created_idx").on(t.workspaceId, t.createdAt)],
);

export const stateVersionOutputs = pgTable(
  "state_version_outputs",
  {
    id: text().primaryKey(),
    stateVersionId: text()
      .notNull()
      .references(() => stateVersions.id, { onDelete: "cascade" }),
    name: text().notNull(),
    sensitive: boolean().notNull(),
    /** cty type JSON (`"string"`, `["list","string"]`, …). */
    type: jsonb(),
    /** JSON-encoded value, encrypted at rest. */
    value: text().notNull(),
    position: integer().notNull(),
  },
  (t) => [uniqueIndex("state_version_outputs_sv_name_key").on(t.stateVersionId, t.name)],
);

export type StateVersionRow = typeof stateVersions.$inferSelect;
export type StateVersionOutputRow = typeof stateVersionOutputs.$inferSelect;
