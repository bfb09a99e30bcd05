import { type Executor, projects } from "@terrapod/db";
import type { IdGenerator } from "@terrapod/kernel";
import { and, eq } from "drizzle-orm";

export const defaultProjectName = "Default Project";

/** Every organization has exactly one default project; workspaces land there unless told otherwise. */
export async function ensureDefaultProject(
  db: Executor,
  ids: IdGenerator,
  organizationId: string,
  now: Date,
): Promise<string> {
  const [existing] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.organizationId, organizationId), eq(projects.isDefault, true)))
    .limit(1);
  if (existing) return existing.id;
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

export async function findProjectInOrganization(db: Executor, organizationId: string, projectId: string) {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.organizationId, organizationId), eq(projects.id, projectId)))
    .limit(1);
  return row;
}
