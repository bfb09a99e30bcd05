import {
  type Executor,
  organizations,
  type RunRow,
  runComments,
  runEvents,
  runs,
  workspaces,
} from "@terrapod/db";
import type {
  ApplyId,
  CommentId,
  ConfigurationVersionId,
  OrganizationName,
  PageRequest,
  PlanId,
  RunId,
  UserId,
  WorkspaceId,
} from "@terrapod/kernel";
import { and, asc, count, desc, eq, ilike, inArray, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { PhaseStatus, RunStatus } from "./lifecycle.ts";
import { runActions, terminalStatuses } from "./lifecycle.ts";
import type { Run, RunEventRecord } from "./model.ts";
import { flagsOf } from "./transitions.ts";

/** The run's comments, oldest first (its `comments` relationship). */
const commentIdsSql = sql<string[]>`coalesce((
  select json_agg(c.id order by c.created_at, c.id) from ${runComments} c where c.run_id = ${runs.id}), '[]'::json)`;

const selection = {
  run: runs,
  orgName: organizations.name,
  wsName: workspaces.name,
  commentIds: commentIdsSql,
};

export function toRun(
  r: { run: RunRow; orgName: string; wsName: string; commentIds: string[] },
  variables: Run["variables"],
  now: Date,
): Run {
  const x = r.run;
  return {
    id: x.id as RunId,
    workspaceId: x.workspaceId as WorkspaceId,
    organization: r.orgName as OrganizationName,
    workspaceName: r.wsName,
    configurationVersionId: x.configurationVersionId as ConfigurationVersionId,
    status: x.status as RunStatus,
    message: x.message,
    source: x.source,
    isDestroy: x.isDestroy,
    refresh: x.refresh,
    refreshOnly: x.refreshOnly,
    targetAddrs: x.targetAddrs,
    replaceAddrs: x.replaceAddrs,
    policyPaths: x.policyPaths,
    invokeActionAddrs: x.invokeActionAddrs,
    planOnly: x.planOnly,
    speculative: x.speculative,
    savePlan: x.savePlan,
    autoApply: x.autoApply,
    allowEmptyApply: x.allowEmptyApply,
    terraformVersion: x.terraformVersion,
    engine: x.engine as Run["engine"],
    engineVersion: x.engineVersion,
    variables,
    createdBy: x.createdBy,
    createdByUserId: x.createdByUserId as UserId | null,
    confirmedByUserId: x.confirmedByUserId as UserId | null,
    hasChanges: x.hasChanges ?? false,
    errorMessage: x.errorMessage,
    statusTimestamps: x.statusTimestamps,
    plan: {
      id: x.planId as PlanId,
      status: x.planStatus as PhaseStatus,
      timestamps: x.planTimestamps,
      counts: {
        additions: x.planAdditions,
        changes: x.planChanges,
        destructions: x.planDestructions,
        imports: x.planImports,
      },
    },
    apply: {
      id: x.applyId as ApplyId,
      status: x.applyStatus as PhaseStatus,
      timestamps: x.applyTimestamps,
      counts: {
        additions: x.applyAdditions,
        changes: x.applyChanges,
        destructions: x.applyDestructions,
        imports: x.applyImports,
      },
    },
    cancelRequested: x.cancelRequestedAt !== null,
    forceCancelAvailableAt: x.forceCancelAvailableAt,
    actions: runActions(flagsOf(x, now)),
    attempt: x.attempt,
    commentIds: r.commentIds as CommentId[],
    createdAt: x.createdAt,
    updatedAt: x.updatedAt,
  };
}

function base(db: Executor) {
  return db
    .select(selection)
    .from(runs)
    .innerJoin(workspaces, eq(workspaces.id, runs.workspaceId))
    .innerJoin(organizations, eq(organizations.id, workspaces.organizationId));
}

export type RunLoader = (variablesSealed: string | null, runId: string) => Run["variables"];

export async function findRunRow(db: Executor, where: SQL, forUpdate = false) {
  const q = base(db).where(where).limit(1);
  const [row] = forUpdate ? await q.for("update", { of: runs }) : await q;
  return row;
}

export async function findRunById(db: Executor, id: string, forUpdate = false) {
  return findRunRow(db, eq(runs.id, id), forUpdate);
}

export async function findRunByPhaseId(db: Executor, phaseId: string) {
  return findRunRow(db, or(eq(runs.planId, phaseId), eq(runs.applyId, phaseId)) as SQL);
}

export type RunListFilter = {
  workspaceId?: string | undefined;
  organizationId?: string | undefined;
  workspaceNames?: readonly string[] | undefined;
  statuses?: readonly string[] | undefined;
  operations?:
    | readonly ("plan_only" | "plan_and_apply" | "destroy" | "refresh_only" | "empty_apply" | "save_plan")[]
    | undefined;
  sources?: readonly string[] | undefined;
  /** Case-insensitive substring of the run id or message. */
  search?: string | undefined;
  /** Matches nothing (a filter no run here can satisfy, e.g. a VCS commit or an agent pool). */
  none?: boolean | undefined;
  excludeTerminal?: boolean | undefined;
};

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function filterSql(f: RunListFilter): SQL | undefined {
  const conds: (SQL | undefined)[] = [];
  if (f.none) conds.push(sql`false`);
  if (f.workspaceId) conds.push(eq(runs.workspaceId, f.workspaceId));
  if (f.organizationId) conds.push(eq(workspaces.organizationId, f.organizationId));
  if (f.workspaceNames && f.workspaceNames.length > 0) {
    conds.push(inArray(workspaces.name, [...f.workspaceNames]));
  }
  if (f.statuses && f.statuses.length > 0) {
    // `canceled` on the wire covers force-canceled runs too (see wireStatus).
    const statuses = f.statuses.includes("canceled") ? [...f.statuses, "force_canceled"] : [...f.statuses];
    conds.push(inArray(runs.status, statuses));
  }
  if (f.sources && f.sources.length > 0) conds.push(inArray(runs.source, [...f.sources]));
  if (f.search) {
    const pattern = `%${likeEscape(f.search)}%`;
    conds.push(or(ilike(runs.id, pattern), ilike(runs.message, pattern)));
  }
  if (f.excludeTerminal) conds.push(notInArray(runs.status, [...terminalStatuses, "planned_and_saved"]));
  if (f.operations && f.operations.length > 0) {
    const ops: SQL[] = [];
    for (const op of f.operations) {
      if (op === "plan_only") ops.push(eq(runs.planOnly, true));
      if (op === "destroy") ops.push(eq(runs.isDestroy, true));
      if (op === "refresh_only") ops.push(eq(runs.refreshOnly, true));
      if (op === "empty_apply") ops.push(eq(runs.allowEmptyApply, true));
      if (op === "save_plan") ops.push(eq(runs.savePlan, true));
      if (op === "plan_and_apply") {
        const c = and(
          eq(runs.planOnly, false),
          eq(runs.isDestroy, false),
          eq(runs.refreshOnly, false),
          eq(runs.savePlan, false),
        );
        if (c) ops.push(c);
      }
    }
    conds.push(or(...ops));
  }
  return and(...conds);
}

/** Newest first, as TFE lists runs (the CLI's queue maths relies on it). */
export async function listRunRows(
  db: Executor,
  f: RunListFilter,
  page: PageRequest,
  order: "newest" | "oldest" = "newest",
) {
  const where = filterSql(f);
  const ordering =
    order === "newest" ? [desc(runs.createdAt), desc(runs.id)] : [asc(runs.createdAt), asc(runs.id)];
  const [rows, [totals]] = await Promise.all([
    base(db)
      .where(where)
      .orderBy(...ordering)
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    db
      .select({ n: count() })
      .from(runs)
      .innerJoin(workspaces, eq(workspaces.id, runs.workspaceId))
      .where(where),
  ]);
  return { rows, total: totals?.n ?? 0 };
}

const eventSelection = {
  id: runEvents.id,
  action: runEvents.action,
  description: runEvents.description,
  actorUserId: sql<UserId | null>`${runEvents.actorUserId}`,
  commentId: sql<CommentId | null>`${runEvents.commentId}`,
  createdAt: runEvents.createdAt,
};

export async function listRunEventRows(db: Executor, runId: string): Promise<RunEventRecord[]> {
  return db
    .select(eventSelection)
    .from(runEvents)
    .where(eq(runEvents.runId, runId))
    .orderBy(asc(runEvents.createdAt), asc(runEvents.id));
}

/** The event ids of each run, oldest first (the runs' `run-events` relationship). */
export async function runEventIdsByRun(
  db: Executor,
  runIds: readonly string[],
): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return map;
  const rows = await db
    .select({ id: runEvents.id, runId: runEvents.runId })
    .from(runEvents)
    .where(inArray(runEvents.runId, [...runIds]))
    .orderBy(asc(runEvents.createdAt), asc(runEvents.id));
  for (const r of rows) map.get(r.runId)?.push(r.id);
  return map;
}

export async function findRunEventRow(db: Executor, id: string) {
  const [row] = await db
    .select({ ...eventSelection, runId: runEvents.runId })
    .from(runEvents)
    .where(eq(runEvents.id, id))
    .limit(1);
  return row;
}
