import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { OrganizationAction } from "../access/index.ts";
import type { LoadOptions } from "../shared/load-options.ts";
import type { ProjectDeps } from "./deps.ts";
import type { Project } from "./model.ts";
import { findProject, findProjectForUpdate } from "./queries.ts";

/**
 * Loads a project and checks the actor may do `action` in its organization (`organization:read` to read
 * it, `project:manage` to change it, or what the caller does with the project, such as `varset:read`). A
 * project of an organization the actor cannot see is NotFound, like a missing one, and the error names
 * the project, not the organization; one the actor can see but may not act on gives ForbiddenError.
 * `lock` row-locks the project for the rest of the transaction.
 */
export async function projectFor(
  deps: Pick<ProjectDeps, "db" | "access">,
  actor: Actor,
  action: OrganizationAction,
  id: string,
  opts?: LoadOptions,
): Promise<Project> {
  const db = opts?.tx ?? deps.db;
  const project = opts?.lock ? await findProjectForUpdate(db, id) : await findProject(db, id);
  if (!project) throw new NotFoundError("project", id);
  try {
    await deps.access.requireOrganization(actor, action, project.organization);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("project", id);
    throw err;
  }
  return project;
}
