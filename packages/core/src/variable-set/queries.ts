import {
  type Executor,
  organizations,
  type VariableSetVariableRow,
  variableSetProjects,
  variableSets,
  variableSetVariables,
  variableSetWorkspaces,
} from "@terrapod/db";
import type {
  OrganizationName,
  PageRequest,
  ProjectId,
  VariableId,
  VariableSetId,
  WorkspaceId,
} from "@terrapod/kernel";
import { and, asc, count, eq, exists, ilike, inArray, or, type SQL, sql } from "drizzle-orm";
import type { VariableSet } from "./model.ts";

const workspaceIdsSql = sql<string[]>`coalesce((
  select json_agg(vw.workspace_id order by vw.workspace_id) from ${variableSetWorkspaces} vw
  where vw.varset_id = ${variableSets.id}), '[]'::json)`;
const projectIdsSql = sql<string[]>`coalesce((
  select json_agg(vp.project_id order by vp.project_id) from ${variableSetProjects} vp
  where vp.varset_id = ${variableSets.id}), '[]'::json)`;
const variableIdsSql = sql<string[]>`coalesce((
  select json_agg(vv.id order by vv.created_at, vv.id) from ${variableSetVariables} vv
  where vv.varset_id = ${variableSets.id}), '[]'::json)`;

const selection = {
  set: variableSets,
  orgName: organizations.name,
  workspaceIds: workspaceIdsSql,
  projectIds: projectIdsSql,
  variableIds: variableIdsSql,
};

type Selected = {
  set: typeof variableSets.$inferSelect;
  orgName: string;
  workspaceIds: string[];
  projectIds: string[];
  variableIds: string[];
};

function toVariableSet(r: Selected): VariableSet {
  return {
    id: r.set.id as VariableSetId,
    organization: r.orgName as OrganizationName,
    organizationId: r.set.organizationId,
    name: r.set.name,
    description: r.set.description,
    global: r.set.global,
    priority: r.set.priority,
    workspaceIds: r.workspaceIds as WorkspaceId[],
    projectIds: r.projectIds as ProjectId[],
    variableIds: r.variableIds as VariableId[],
    createdAt: r.set.createdAt,
    updatedAt: r.set.updatedAt,
  };
}

function base(db: Executor) {
  return db
    .select(selection)
    .from(variableSets)
    .innerJoin(organizations, eq(organizations.id, variableSets.organizationId));
}

export async function findVariableSet(db: Executor, id: string): Promise<VariableSet | undefined> {
  const [row] = await base(db).where(eq(variableSets.id, id)).limit(1);
  return row ? toVariableSet(row) : undefined;
}

/** Reads and row-locks a variable set for the rest of the transaction. */
export async function findVariableSetForUpdate(db: Executor, id: string): Promise<VariableSet | undefined> {
  const [row] = await base(db).where(eq(variableSets.id, id)).for("update", { of: variableSets }).limit(1);
  return row ? toVariableSet(row) : undefined;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The sets that reach one workspace: global ones, those applied to its project, those applied to it. */
export function reachesWorkspace(db: Executor, ws: { id: string; projectId: string }): SQL | undefined {
  return or(
    eq(variableSets.global, true),
    exists(
      db
        .select({ one: sql`1` })
        .from(variableSetWorkspaces)
        .where(
          and(
            eq(variableSetWorkspaces.varsetId, variableSets.id),
            eq(variableSetWorkspaces.workspaceId, ws.id),
          ),
        ),
    ),
    exists(
      db
        .select({ one: sql`1` })
        .from(variableSetProjects)
        .where(
          and(
            eq(variableSetProjects.varsetId, variableSets.id),
            eq(variableSetProjects.projectId, ws.projectId),
          ),
        ),
    ),
  );
}

export type VariableSetFilter = {
  readonly organizationId: string;
  readonly query?: string | undefined;
  readonly workspace?: { readonly id: string; readonly projectId: string } | undefined;
  readonly projectId?: string | undefined;
};

function filterSql(db: Executor, f: VariableSetFilter): SQL | undefined {
  const conds: (SQL | undefined)[] = [eq(variableSets.organizationId, f.organizationId)];
  if (f.query) conds.push(ilike(variableSets.name, `%${likeEscape(f.query)}%`));
  if (f.workspace) conds.push(reachesWorkspace(db, f.workspace));
  if (f.projectId) {
    const projectId = f.projectId;
    conds.push(
      or(
        eq(variableSets.global, true),
        exists(
          db
            .select({ one: sql`1` })
            .from(variableSetProjects)
            .where(
              and(
                eq(variableSetProjects.varsetId, variableSets.id),
                eq(variableSetProjects.projectId, projectId),
              ),
            ),
        ),
      ),
    );
  }
  return and(...conds);
}

/** Sets in name order, one page and the total. */
export async function listVariableSetRows(
  db: Executor,
  f: VariableSetFilter,
  page: PageRequest,
): Promise<{ items: VariableSet[]; total: number }> {
  const where = filterSql(db, f);
  const [rows, [totals]] = await Promise.all([
    base(db)
      .where(where)
      .orderBy(asc(variableSets.name), asc(variableSets.id))
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    db.select({ n: count() }).from(variableSets).where(where),
  ]);
  return { items: rows.map(toVariableSet), total: totals?.n ?? 0 };
}

/** Every set that reaches a workspace (unpaginated; for precedence). */
export async function listVariableSetsReaching(
  db: Executor,
  ws: { id: string; organizationId: string; projectId: string },
): Promise<VariableSet[]> {
  const rows = await base(db)
    .where(and(eq(variableSets.organizationId, ws.organizationId), reachesWorkspace(db, ws)))
    .orderBy(asc(variableSets.name), asc(variableSets.id));
  return rows.map(toVariableSet);
}

/** The variables of some sets, in creation order. */
export async function listSetVariableRows(
  db: Executor,
  varsetIds: readonly string[],
): Promise<VariableSetVariableRow[]> {
  if (varsetIds.length === 0) return [];
  return db
    .select()
    .from(variableSetVariables)
    .where(inArray(variableSetVariables.varsetId, [...varsetIds]))
    .orderBy(asc(variableSetVariables.createdAt), asc(variableSetVariables.id));
}

export async function findSetVariableRow(
  db: Executor,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<VariableSetVariableRow | undefined> {
  const q = db.select().from(variableSetVariables).where(eq(variableSetVariables.id, id));
  const [row] = await (opts.forUpdate ? q.for("update").limit(1) : q.limit(1));
  return row;
}

/** Replaces (or, with `mode: "add"`, extends) the workspaces a set is applied to. */
export async function setVariableSetWorkspaces(
  db: Executor,
  varsetId: string,
  workspaceIds: readonly string[],
  mode: "add" | "replace",
): Promise<void> {
  if (mode === "replace") {
    await db.delete(variableSetWorkspaces).where(eq(variableSetWorkspaces.varsetId, varsetId));
  }
  if (workspaceIds.length === 0) return;
  await db
    .insert(variableSetWorkspaces)
    .values([...new Set(workspaceIds)].map((workspaceId) => ({ varsetId, workspaceId })))
    .onConflictDoNothing();
}

export async function removeVariableSetWorkspaces(
  db: Executor,
  varsetId: string,
  workspaceIds: readonly string[],
): Promise<void> {
  if (workspaceIds.length === 0) return;
  await db
    .delete(variableSetWorkspaces)
    .where(
      and(
        eq(variableSetWorkspaces.varsetId, varsetId),
        inArray(variableSetWorkspaces.workspaceId, [...workspaceIds]),
      ),
    );
}

/** Replaces (or, with `mode: "add"`, extends) the projects a set is applied to. */
export async function setVariableSetProjects(
  db: Executor,
  varsetId: string,
  projectIds: readonly string[],
  mode: "add" | "replace",
): Promise<void> {
  if (mode === "replace") {
    await db.delete(variableSetProjects).where(eq(variableSetProjects.varsetId, varsetId));
  }
  if (projectIds.length === 0) return;
  await db
    .insert(variableSetProjects)
    .values([...new Set(projectIds)].map((projectId) => ({ varsetId, projectId })))
    .onConflictDoNothing();
}

export async function removeVariableSetProjects(
  db: Executor,
  varsetId: string,
  projectIds: readonly string[],
): Promise<void> {
  if (projectIds.length === 0) return;
  await db
    .delete(variableSetProjects)
    .where(
      and(
        eq(variableSetProjects.varsetId, varsetId),
        inArray(variableSetProjects.projectId, [...projectIds]),
      ),
    );
}
