import { isUniqueViolation, projects } from "@terrapod/db";
import { type Actor, InternalError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { ProjectDeps } from "./deps.ts";
import { ProjectNameTakenError } from "./errors.ts";
import type { Project } from "./model.ts";
import { parseProjectInput } from "./parse-input.ts";
import { projectFor } from "./project-access.ts";
import { findProject } from "./queries.ts";
import { UpdateProjectInput } from "./schemas.ts";

/** Renames a project or changes its description; the default project may be renamed too. */
export async function updateProject(
  deps: ProjectDeps,
  actor: Actor,
  id: string,
  raw: UpdateProjectInput,
): Promise<Project> {
  let name: string | undefined;
  try {
    return await deps.db.transaction(async (tx) => {
      const current = await projectFor(deps, actor, "project:manage", id, { tx, lock: true });
      const input = parseProjectInput(UpdateProjectInput, raw);
      name = input.name;
      const changes: { name?: string; description?: string } = {};
      if (input.name !== undefined) changes.name = input.name;
      if (input.description !== undefined) changes.description = input.description ?? "";
      if (Object.keys(changes).length > 0) {
        await tx
          .update(projects)
          .set({ ...changes, updatedAt: deps.clock.now() })
          .where(eq(projects.id, current.id));
      }
      const project = await findProject(tx, current.id);
      if (!project) throw new InternalError("project vanished during update");
      return project;
    });
  } catch (err) {
    if (isUniqueViolation(err) && name !== undefined) throw new ProjectNameTakenError(name);
    throw err;
  }
}
