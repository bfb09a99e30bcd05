import { type Executor, type OrganizationRow, organizations, projects } from "@terrapod/db";
import {
  NotFoundError,
  type OrganizationId,
  type OrganizationName,
  type PageRequest,
  type ProjectId,
} from "@terrapod/kernel";
import { asc, count, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { ExecutionMode } from "../shared/types.ts";
import type { Organization } from "./model.ts";

export function toOrganization(row: OrganizationRow, defaultProjectId: string | null): Organization {
  return {
    ...row,
    id: row.id as OrganizationId,
    name: row.name as OrganizationName,
    defaultExecutionMode: row.defaultExecutionMode as ExecutionMode,
    defaultProjectId: defaultProjectId as ProjectId | null,
  };
}

/**
 * The id of the organization's default project (see the project domain). The outer column is qualified
 * by hand: drizzle leaves columns unqualified in single-table selects, where `id` would resolve to the
 * subquery's own `p.id`.
 */
const defaultProjectIdSql: SQL<string | null> = sql<string | null>`(select p.id from ${projects} p
  where p.organization_id = ${organizations}.${sql.identifier(organizations.id.name)} and p.is_default
  limit 1)`;

function selectOrganizations(db: Executor) {
  return db.select({ org: organizations, defaultProjectId: defaultProjectIdSql }).from(organizations);
}

type Selected = { org: OrganizationRow; defaultProjectId: string | null };
const fromSelected = (r: Selected) => toOrganization(r.org, r.defaultProjectId);

export async function findOrganizationByName(db: Executor, name: string): Promise<Organization | undefined> {
  const [row] = await selectOrganizations(db).where(eq(organizations.name, name)).limit(1);
  return row ? fromSelected(row) : undefined;
}

/** The organization of that name; NotFoundError when there is none. */
export async function organizationNamed(db: Executor, name: string): Promise<Organization> {
  const org = await findOrganizationByName(db, name);
  if (!org) throw new NotFoundError("organization", name);
  return org;
}

export async function findOrganizationById(db: Executor, id: string): Promise<Organization | undefined> {
  const [row] = await selectOrganizations(db).where(eq(organizations.id, id)).limit(1);
  return row ? fromSelected(row) : undefined;
}

/** Organizations in creation order; `names` restricts the list (undefined = all). */
export async function listOrganizationRows(
  db: Executor,
  names: readonly string[] | undefined,
  page: PageRequest,
): Promise<{ items: Organization[]; total: number }> {
  const where = names === undefined ? undefined : inArray(organizations.name, [...names]);
  const [items, [totals]] = await Promise.all([
    selectOrganizations(db)
      .where(where)
      .orderBy(asc(organizations.createdAt), asc(organizations.id))
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    db.select({ n: count() }).from(organizations).where(where),
  ]);
  return { items: items.map(fromSelected), total: totals?.n ?? 0 };
}

export async function countOrganizations(db: Executor): Promise<number> {
  const [row] = await db.select({ n: count() }).from(organizations);
  return row?.n ?? 0;
}
