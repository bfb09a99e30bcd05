import { isForeignKeyViolation, projects } from "@terrapod/db";
import type { Actor } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { ProjectDeps } from "./deps.ts";
import { DefaultProjectDeletionError, ProjectNotEmptyError } from "./errors.ts";
import { projectFor } from "./project-access.ts";
import { countProjectWorkspaces } from "./queries.ts";

/**
 * Deletes an empty project (its variable-set assignments go with it). The default project and projects
 * that still hold workspaces are refused, as TFE does.
 */
export async function deleteProject(deps: ProjectDeps, actor: Actor, id: string): Promise<void> {
  try {
    await deps.db.transaction(async (tx) => {
      const project = await projectFor(deps, actor, "project:manage", id, { tx, lock: true });
      if (project.isDefault) throw new DefaultProjectDeletionError(project.id);
      // The row lock waits for workspace inserts that reference the project, so the count is complete.
      const workspaceCount = await countProjectWorkspaces(tx, project.id);
      if (workspaceCount > 0) throw new ProjectNotEmptyError(project.id, workspaceCount);
      await tx.delete(projects).where(eq(projects.id, project.id));
    });
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new ProjectNotEmptyError(id);
    throw err;
  }
}
