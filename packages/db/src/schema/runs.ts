import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns.ts";
import { configurationVersions } from "./configuration-versions.ts";
import { users } from "./users.ts";
import { workspaces } from "./workspaces.ts";

export type RunVariableRecord = { key: string; value: string };

export const runs = pgTable(
  "runs",
  {
    id: text().primaryKey(),
    workspaceId: text()
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    configurationVersionId: text()
      .notNull()
      .references(() => configurationVersions.id, { onDelete: "cascade" }),
    status: text().notNull(),
    message: text().notNull().default(""),
    source: text().notNull().default("tfe-api"),
    isDestroy: boolean().notNull().default(false),
    refresh: boolean().notNull().default(true),
    refreshOnly: boolean().notNull().default(false),
    targetAddrs: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    replaceAddrs: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Policy directories in the configuration (`policy-paths`), recorded as given. */
    policyPaths: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Actions to invoke (`-invoke`), as given. */
    invokeActionAddrs: jsonb().$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    planOnly: boolean().notNull().default(false),
    speculative: boolean().notNull().default(false),
    savePlan: boolean().notNull().default(false),
    autoApply: boolean().notNull().default(false),
    allowEmptyApply: boolean().notNull().default(false),
    /** Requested engine version override (`terraform-version` on run create). */
    terraformVersion: text(),
    /** The engine and version the run executes with, resolved when it is created. */
    engine: text().notNull().default("terraform"),
    engineVersion: text().notNull().default(""),
    /** Run variables (`-var`), sealed JSON `[{key, value}]`. */
    variables: text(),
    /** The effective variables the plan ran with, sealed; the apply must use exactly these. */
    jobVariables: text(),
    createdBy: text(),
    /** The user who created the run, when a user did (TFE `created-by`). */
    createdByUserId: text().references(() => users.id, { onDelete: "set null" }),
    hasChanges: boolean(),
    errorMessage: text(),
    statusTimestamps: jsonb().$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    /** Serial of the queue: runs of a workspace execute in this order. */
    queuedAt: ts(),
    planId: text().notNull(),
    planStatus: text().notNull().default("pending"),
    planTimestamps: jsonb().$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    planAdditions: integer(),
    planChanges: integer(),
    planDestructions: integer(),
    planImports: integer(),
    applyId: text().notNull(),
    applyStatus: text().notNull().default("pending"),
    applyTimestamps: jsonb().$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    applyAdditions: integer(),
    applyChanges: integer(),
    applyDestructions: integer(),
    applyImports: integer(),
    /** Execution: which executor holds the current phase, since when, last sign of life. */
    claimedBy: text(),
    attempt: integer().notNull().default(0),
    heartbeatAt: ts(),
    /**
     * The local runner process of the current phase: its pid and start time (clock ticks since boot,
     * `/proc/<pid>/stat` field 22), so a restarted server can tell whether it still runs and stop it.
     */
    runnerPid: integer(),
    runnerStartedAtTicks: bigint({ mode: "number" }),
    /** When the executor interrupted the current phase because its server was shutting down. */
    shutdownInterruptedAt: ts(),
    cancelRequestedAt: ts(),
    forceCancelRequested: boolean().notNull().default(false),
    /** Set with the first cancel request: from then on a running phase may be force-canceled. */
    forceCancelAvailableAt: ts(),
    /** When the CLI finished reading the plan's log (its end marker was served). */
    planLogReadAt: ts(),
    confirmedBy: text(),
    /** The user who confirmed the apply, when a user did (TFE `confirmed-by`). */
    confirmedByUserId: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: ts().notNull(),
    updatedAt: ts().notNull(),
  },
  (t) => [
    index("runs_ws_created_idx").on(t.workspaceId, t.createdAt),
    index("runs_status_idx").on(t.status),
    index("runs_plan_id_idx").on(t.planId),
    index("runs_apply_id_idx").on(t.applyId),
  ],
);

/** Comments on a run (TFE `comments`): posted directly or with `actions/apply`, `discard`, `cancel`. */
export const runComments = pgTable(
  "run_comments",
  {
    id: text().primaryKey(),
    runId: text()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    body: text().notNull(),
    /** Who wrote it, as described in logs and events. */
    author: text(),
    /** The user who wrote it, when a user did. */
    authorUserId: text().references(() => users.id, { onDelete: "set null" }),
    createdAt: ts().notNull(),
  },
  (t) => [index("run_comments_run_idx").on(t.runId, t.createdAt)],
);

export const runEvents = pgTable(
  "run_events",
  {
    id: text().primaryKey(),
    runId: text()
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    action: text().notNull(),
    description: text().notNull().default(""),
    actor: text(),
    /** The user who caused the event, when a user did (TFE `actor`). */
    actorUserId: text().references(() => users.id, { onDelete: "set null" }),
    /** The comment a `commented` event records (TFE `comment`). */
    commentId: text().references(() => runComments.id, { onDelete: "set null" }),
    createdAt: ts().notNull(),
  },
  (t) => [index("run_events_run_idx").on(t.runId, t.createdAt)],
);

export type RunRow = typeof runs.$inferSelect;
export type NewRunRow = typeof runs.$inferInsert;
export type RunEventRow = typeof runEvents.$inferSelect;
export type RunCommentRow = typeof runComments.$inferSelect;
