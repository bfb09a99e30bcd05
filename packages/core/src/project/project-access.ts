import type { Executor } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { ProjectDeps } from "./deps.ts";
import type { Project } from "./model.ts";
import { findProject, findProjectForUpdate } from "./queries.ts";

/**
 * Loads a project and checks the actor may read (`organization:read`) or manage (`project:manage`) the
 * projects of its organization. A project of an organization the actor cannot see is NotFound, like a
 * missing one, and the error names the project, not the organization.
 */
export async function projectFor(
  deps: ProjectDeps,
  db: Executor,
  actor: Actor,
  id: string,
  action: "organization:read" | "project:manage",
  opts: { lock?: boolean } = {},
): Promise<Project> {
  const project = opts.lock ? await findProjectForUpdate(db, id) : await findProject(db, id);
  if (!project) throw new NotFoundError("project", id);
  try {
    await deps.access.requireOrganization(actor, action, project.organization);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("project", id);
    throw err;
  }
  return project;
}
