import { type Executor, organizations, type RunRow, runEvents, runs, workspaces } from "@terrapod/db";
import type {
  ApplyId,
  ConfigurationVersionId,
  OrganizationName,
  PageRequest,
  PlanId,
  RunId,
  WorkspaceId,
} from "@terrapod/kernel";
import { and, asc, count, desc, eq, inArray, notInArray, or, type SQL } from "drizzle-orm";
import type { PhaseStatus, RunStatus } from "./lifecycle.ts";
import { terminalStatuses } from "./lifecycle.ts";
import type { Run, RunEventRecord } from "./model.ts";

const selection = { run: runs, orgName: organizations.name, wsName: workspaces.name };

export function toRun(r: { run: RunRow; orgName: string; wsName: string }, variables: Run["variables"]): Run {
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
    attempt: x.attempt,
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
  statuses?: readonly string[] | undefined;
  operations?: readonly ("plan_only" | "plan_and_apply" | "destroy" | "refresh_only")[] | undefined;
  excludeTerminal?: boolean | undefined;
};

function filterSql(f: RunListFilter): SQL | undefined {
  const conds: (SQL | undefined)[] = [];
  if (f.workspaceId) conds.push(eq(runs.workspaceId, f.workspaceId));
  if (f.organizationId) conds.push(eq(workspaces.organizationId, f.organizationId));
  if (f.statuses && f.statuses.length > 0) conds.push(inArray(runs.status, [...f.statuses]));
  if (f.excludeTerminal) conds.push(notInArray(runs.status, [...terminalStatuses, "planned_and_saved"]));
  if (f.operations && f.operations.length > 0) {
    const ops: SQL[] = [];
    for (const op of f.operations) {
      if (op === "plan_only") ops.push(eq(runs.planOnly, true));
      if (op === "destroy") ops.push(eq(runs.isDestroy, true));
      if (op === "refresh_only") ops.push(eq(runs.refreshOnly, true));
      if (op === "plan_and_apply") {
        const c = and(eq(runs.planOnly, false), eq(runs.isDestroy, false), eq(runs.refreshOnly, false));
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

export async function listRunEventRows(db: Executor, runId: string): Promise<RunEventRecord[]> {
  return db
    .select({
      id: runEvents.id,
      action: runEvents.action,
      description: runEvents.description,
      createdAt: runEvents.createdAt,
    })
    .from(runEvents)
    .where(eq(runEvents.runId, runId))
    .orderBy(asc(runEvents.createdAt), asc(runEvents.id));
}
