import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { organizations } from "./organizations.ts";
import { projects } from "./projects.ts";

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
    /**
     * True: the workspace follows its organization's default execution mode (TFE `setting-overwrites`
     * `execution-mode: false`), and `executionMode` only keeps the last value it had.
     */
    executionModeInherited: boolean().notNull().default(false),
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
    /** When the sweeper queues an auto-applied destroy run (TFE `auto-destroy-at`); cleared once it has. */
    autoDestroyAt: ts(),
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

/**
 * Workspaces allowed to read a workspace's state outputs (`remote-state-consumers`), when its
 * `global-remote-state` is off. Both sides belong to the same organization.
 */
export const workspaceRemoteStateConsumers = pgTable(
  "workspace_remote_state_consumers",
  {
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    consumerId: text()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    createdAt: ts().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.consumerId] }),
    index("workspace_remote_state_consumers_consumer_idx").on(t.consumerId),
  ],
);

export type WorkspaceRow = typeof workspaces.$inferSelect;
export type NewWorkspaceRow = typeof workspaces.$inferInsert;
