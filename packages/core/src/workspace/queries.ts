import {
  type Executor,
  organizations,
  runs,
  tags,
  type WorkspaceRow,
  workspaces,
  workspaceTags,
} from "@terrapod/db";
import type { OrganizationName, PageRequest, RunId, StateVersionId, WorkspaceId } from "@terrapod/kernel";
import { and, asc, count, desc, eq, exists, ilike, inArray, notExists, type SQL, sql } from "drizzle-orm";
import { decodeLockHolder, type Engine, type ExecutionMode, type Workspace } from "./model.ts";

const tagNamesSql = sql<string[]>`coalesce((
  select json_agg(t.name order by t.name) from ${workspaceTags} wt join ${tags} t on t.id = wt.tag_id
  where wt.workspace_id = ${workspaces.id}), '[]'::json)`;

const selection = {
  ws: workspaces,
  orgName: organizations.name,
  orgExecutionMode: organizations.defaultExecutionMode,
  tagNames: tagNamesSql,
};

type Selected = { ws: WorkspaceRow; orgName: string; orgExecutionMode: string; tagNames: string[] };

export function toWorkspace(r: Selected): Workspace {
  const ws = r.ws;
  return {
    id: ws.id as WorkspaceId,
    organization: r.orgName as OrganizationName,
    organizationId: ws.organizationId,
    projectId: ws.projectId,
    name: ws.name,
    description: ws.description,
    executionMode: (ws.executionModeInherited ? r.orgExecutionMode : ws.executionMode) as ExecutionMode,
    executionModeInherited: ws.executionModeInherited,
    terraformVersion: ws.terraformVersion,
    engine: ws.engine as Engine,
    autoApply: ws.autoApply,
    workingDirectory: ws.workingDirectory,
    allowDestroyPlan: ws.allowDestroyPlan,
    fileTriggersEnabled: ws.fileTriggersEnabled,
    queueAllRuns: ws.queueAllRuns,
    speculativeEnabled: ws.speculativeEnabled,
    globalRemoteState: ws.globalRemoteState,
    assessmentsEnabled: ws.assessmentsEnabled,
    autoDestroyAt: ws.autoDestroyAt,
    triggerPrefixes: ws.triggerPrefixes,
    triggerPatterns: ws.triggerPatterns,
    sourceName: ws.sourceName,
    sourceUrl: ws.sourceUrl,
    labels: ws.labels,
    tagNames: r.tagNames,
    lock:
      ws.lockHolder && ws.lockedAt
        ? { holder: decodeLockHolder(ws.lockHolder), reason: ws.lockReason ?? "", at: ws.lockedAt }
        : undefined,
    currentStateVersionId: ws.currentStateVersionId as StateVersionId | null,
    currentRunId: ws.currentRunId as RunId | null,
    resourceCount: ws.resourceCount,
    createdAt: ws.createdAt,
    updatedAt: ws.updatedAt,
  };
}

function base(db: Executor) {
  return db
    .select(selection)
    .from(workspaces)
    .innerJoin(organizations, eq(organizations.id, workspaces.organizationId));
}

export async function findWorkspaceById(db: Executor, id: string): Promise<Workspace | undefined> {
  const [row] = await base(db).where(eq(workspaces.id, id)).limit(1);
  return row ? toWorkspace(row) : undefined;
}

/** Reads and row-locks a workspace for the rest of the transaction. */
export async function findWorkspaceForUpdate(db: Executor, id: string): Promise<Workspace | undefined> {
  const [row] = await base(db).where(eq(workspaces.id, id)).for("update", { of: workspaces }).limit(1);
  return row ? toWorkspace(row) : undefined;
}

export async function findWorkspaceByName(
  db: Executor,
  organization: string,
  name: string,
): Promise<Workspace | undefined> {
  const [row] = await base(db)
    .where(and(eq(organizations.name, organization), eq(workspaces.name, name)))
    .limit(1);
  return row ? toWorkspace(row) : undefined;
}

export type WorkspaceFilter = {
  organizationId: string;
  search?: string | undefined;
  wildcardName?: string | undefined;
  tags?: readonly string[] | undefined;
  excludeTags?: readonly string[] | undefined;
  labels?: Readonly<Record<string, string>> | undefined;
  projectId?: string | undefined;
  /** Comma-separated statuses of the current run. */
  currentRunStatus?: string | undefined;
  sort?: "name" | "-name" | "current-run.created-at" | "-current-run.created-at" | undefined;
  extra?: SQL | undefined;
};

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function hasTag(name: string) {
  return (db: Executor) =>
    db
      .select({ one: sql`1` })
      .from(workspaceTags)
      .innerJoin(tags, eq(tags.id, workspaceTags.tagId))
      .where(and(eq(workspaceTags.workspaceId, workspaces.id), eq(tags.name, name)));
}

/** SQL: the workspace's current run has one of these (wire) statuses; `canceled` covers force-canceled runs. */
function currentRunStatusIn(db: Executor, statuses: readonly string[]): SQL {
  const wanted = statuses.includes("canceled") ? [...statuses, "force_canceled"] : [...statuses];
  return exists(
    db
      .select({ one: runs.id })
      .from(runs)
      .where(and(eq(runs.id, workspaces.currentRunId), inArray(runs.status, wanted))),
  );
}

/** SQL: when the workspace's current run was created (null when it has none), for ordering. */
const currentRunCreatedAt = sql`(select ${runs.createdAt} from ${runs} where ${runs.id} = ${workspaces.currentRunId})`;

function filterSql(db: Executor, f: WorkspaceFilter): SQL | undefined {
  const conds: (SQL | undefined)[] = [eq(workspaces.organizationId, f.organizationId)];
  if (f.search) conds.push(ilike(workspaces.name, `%${likeEscape(f.search)}%`));
  if (f.wildcardName) {
    const pattern = f.wildcardName.split("*").map(likeEscape).join("%");
    conds.push(ilike(workspaces.name, pattern));
  }
  for (const t of f.tags ?? []) conds.push(exists(hasTag(t.toLowerCase())(db)));
  for (const t of f.excludeTags ?? []) conds.push(notExists(hasTag(t.toLowerCase())(db)));
  if (f.labels && Object.keys(f.labels).length > 0) {
    conds.push(sql`${workspaces.labels} @> ${JSON.stringify(f.labels)}::jsonb`);
  }
  if (f.projectId) conds.push(eq(workspaces.projectId, f.projectId));
  if (f.currentRunStatus) {
    const statuses = f.currentRunStatus
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (statuses.length > 0) conds.push(currentRunStatusIn(db, statuses));
  }
  if (f.extra) conds.push(f.extra);
  return and(...conds);
}

/** `sort`: by name (unique per organization), or by the current run's creation time, name breaking ties. */
function orderSql(sort: WorkspaceFilter["sort"]): SQL[] {
  switch (sort) {
    case undefined:
    case "name":
      return [asc(workspaces.name)];
    case "-name":
      return [desc(workspaces.name)];
    case "current-run.created-at":
      return [sql`${currentRunCreatedAt} asc nulls last`, asc(workspaces.name)];
    case "-current-run.created-at":
      return [sql`${currentRunCreatedAt} desc nulls last`, asc(workspaces.name)];
  }
}

/**
 * Workspaces in the requested order (name by default), one page and the total. The page's ids are found
 * first (an index walk), and only those rows are expanded: with OFFSET the per-row tag subquery would
 * otherwise run for every skipped row of a deep page.
 */
export async function listWorkspaceRows(
  db: Executor,
  f: WorkspaceFilter,
  page: PageRequest,
): Promise<{ items: Workspace[]; total: number }> {
  const where = filterSql(db, f);
  const [ids, [totals]] = await Promise.all([
    db
      .select({ id: workspaces.id })
      .from(workspaces)
      .where(where)
      .orderBy(...orderSql(f.sort))
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    db.select({ n: count() }).from(workspaces).where(where),
  ]);
  if (ids.length === 0) return { items: [], total: totals?.n ?? 0 };
  const rows = await base(db).where(
    inArray(
      workspaces.id,
      ids.map((r) => r.id),
    ),
  );
  const order = new Map(ids.map((r, i) => [r.id, i]));
  rows.sort((a, b) => (order.get(a.ws.id) ?? 0) - (order.get(b.ws.id) ?? 0));
  return { items: rows.map(toWorkspace), total: totals?.n ?? 0 };
}

/** Gives the workspace lock to a run (the run queue) and makes it the current run. */
export async function lockForRun(db: Executor, workspaceId: string, runId: string, now: Date): Promise<void> {
  await db
    .update(workspaces)
    .set({
      lockHolder: `run:${runId}`,
      lockReason: `Locked by Run ${runId}`,
      lockedAt: now,
      currentRunId: runId,
    })
    .where(eq(workspaces.id, workspaceId));
}

/** Releases the lock if (and only if) this run holds it. */
export async function releaseRunLock(db: Executor, workspaceId: string, runId: string): Promise<void> {
  await db
    .update(workspaces)
    .set({ lockHolder: null, lockReason: null, lockedAt: null })
    .where(and(eq(workspaces.id, workspaceId), eq(workspaces.lockHolder, `run:${runId}`)));
}

/** Workspaces by id (any order); ids naming nothing are left out. */
export async function findWorkspacesByIds(db: Executor, ids: readonly string[]): Promise<Workspace[]> {
  if (ids.length === 0) return [];
  const rows = await base(db).where(inArray(workspaces.id, [...ids]));
  return rows.map(toWorkspace);
}
