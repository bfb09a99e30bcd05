import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { organizations } from "./organizations.ts";

const ts = () => timestamp({ withTimezone: true, precision: 3 });

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

export const workspaces = pgTable(
  "workspaces",
  {
    id: text().primaryKey(),
    organizationId: text()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    projectId: text()
      .notNull()
      .references(() => projects.id),
    name: text().notNull(),
    description: text().notNull().default(""),
    executionMode: text({ enum: ["remote", "local", "agent"] })
      .notNull()
      .default("remote"),
    /** A version string or `latest`. */
    terraformVersion: text().notNull().default("latest"),
    engine: text({ enum: ["terraform", "tofu"] })
      .notNull()
      .default("terraform"),
    autoApply: boolean().notNull().default(false),
    workingDirectory: text().notNull().default(""),
    allowDestroyPlan: boolean().notNull().default(true),
    fileTriggersEnabled: boolean().notNull().default(true),
    queueAllRuns: boolean().notNull().default(false),
    speculativeEnabled: boolean().notNull().default(true),
    globalRemoteState: boolean().notNull().default(false),
    assessmentsEnabled: boolean().notNull().default(false),
    triggerPrefixes: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    triggerPatterns: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    sourceName: text(),
    sourceUrl: text(),
    /** Terrapod labels: key/value map used by label-based RBAC. */
    labels: jsonb().$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    /** Lock holder: `user:<id>`, `token:<id>`, `run:<id>`; null when unlocked. */
    lockHolder: text(),
    lockReason: text(),
    lockedAt: ts(),
    currentStateVersionId: text(),
    currentRunId: text(),
    resourceCount: integer().notNull().default(0),
    createdAt: ts().notNull(),
    updatedAt: ts().notNull(),
  },
  (t) => [
    uniqueIndex("workspaces_org_name_key").on(t.organizationId, t.name),
    index("workspaces_project_idx").on(t.projectId),
  ],
);

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

export type ProjectRow = typeof projects.$inferSelect;
export type WorkspaceRow = typeof workspaces.$inferSelect;
export type NewWorkspaceRow = typeof workspaces.$inferInsert;
export type TagRow = typeof tags.$inferSelect;
export type StateVersionRow = typeof stateVersions.$inferSelect;
export type StateVersionOutputRow = typeof stateVersionOutputs.$inferSelect;
