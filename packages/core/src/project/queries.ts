import { type Executor, organizations, projects, workspaces } from "@terrapod/db";
import type { IdGenerator, OrganizationName, PageRequest, ProjectId } from "@terrapod/kernel";
import { and, asc, count, eq, ilike, inArray, type SQL, sql } from "drizzle-orm";
import type { ExecutionMode } from "../shared/types.ts";
import type { Project } from "./model.ts";

export const defaultProjectName = "Default Project";

/** Every organization has exactly one default project; workspaces land there unless told otherwise. */
export async function ensureDefaultProject(
  db: Executor,
  ids: IdGenerator,
  organizationId: string,
  now: Date,
): Promise<string> {
  const existing = await findDefaultProjectId(db, organizationId);
  if (existing) return existing;
  const id = ids("project");
  await db.insert(projects).values({
    id,
    organizationId,
    name: defaultProjectName,
    isDefault: true,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

export async function findDefaultProjectId(
  db: Executor,
  organizationId: string,
): Promise<ProjectId | undefined> {
  const [row] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.organizationId, organizationId), eq(projects.isDefault, true)))
    .limit(1);
  return row ? (row.id as ProjectId) : undefined;
}

export async function findProjectInOrganization(db: Executor, organizationId: string, projectId: string) {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.organizationId, organizationId), eq(projects.id, projectId)))
    .limit(1);
  return row;
}

const workspaceCountSql = sql<number>`(select count(*)::int from ${workspaces} w
  where w.project_id = ${projects.id})`;

const selection = {
  project: projects,
  orgName: organizations.name,
  executionMode: organizations.defaultExecutionMode,
  workspaceCount: workspaceCountSql,
};

type Selected = {
  project: typeof projects.$inferSelect;
  orgName: string;
  executionMode: string;
  workspaceCount: number;
};

function toProject(r: Selected): Project {
  return {
    id: r.project.id as ProjectId,
    organization: r.orgName as OrganizationName,
    organizationId: r.project.organizationId,
    name: r.project.name,
    description: r.project.description,
    isDefault: r.project.isDefault,
    defaultExecutionMode: r.executionMode as ExecutionMode,
    workspaceCount: Number(r.workspaceCount),
    createdAt: r.project.createdAt,
    updatedAt: r.project.updatedAt,
  };
}

function base(db: Executor) {
  return db
    .select(selection)
    .from(projects)
    .innerJoin(organizations, eq(organizations.id, projects.organizationId));
}

export async function findProject(db: Executor, id: string): Promise<Project | undefined> {
  const [row] = await base(db).where(eq(projects.id, id)).limit(1);
  return row ? toProject(row) : undefined;
}

/** Reads and row-locks a project for the rest of the transaction. */
export async function findProjectForUpdate(db: Executor, id: string): Promise<Project | undefined> {
  const [row] = await base(db).where(eq(projects.id, id)).for("update", { of: projects }).limit(1);
  return row ? toProject(row) : undefined;
}

export type ProjectFilter = {
  readonly organizationId: string;
  readonly names?: readonly string[] | undefined;
  readonly query?: string | undefined;
};

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function filterSql(f: ProjectFilter): SQL | undefined {
  const conds: (SQL | undefined)[] = [eq(projects.organizationId, f.organizationId)];
  if (f.names) conds.push(f.names.length > 0 ? inArray(projects.name, [...f.names]) : sql`false`);
  if (f.query) conds.push(ilike(projects.name, `%${likeEscape(f.query)}%`));
  return and(...conds);
}

/** Projects in name order, one page and the total. */
export async function listProjectRows(
  db: Executor,
  f: ProjectFilter,
  page: PageRequest,
): Promise<{ items: Project[]; total: number }> {
  const where = filterSql(f);
  const [rows, [totals]] = await Promise.all([
    base(db)
      .where(where)
      .orderBy(asc(projects.name), asc(projects.id))
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    db.select({ n: count() }).from(projects).where(where),
  ]);
  return { items: rows.map(toProject), total: totals?.n ?? 0 };
}

/** How many workspaces a project holds (read inside the deleting transaction, after the row lock). */
export async function countProjectWorkspaces(db: Executor, projectId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(workspaces).where(eq(workspaces.projectId, projectId));
  return row?.n ?? 0;
}
