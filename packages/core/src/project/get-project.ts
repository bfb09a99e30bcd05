import type { Actor } from "@terrapod/kernel";
import type { ProjectDeps } from "./deps.ts";
import type { Project } from "./model.ts";
import { projectFor } from "./project-access.ts";

/** By id; hidden and missing projects both give NotFoundError. */
export async function getProject(deps: ProjectDeps, actor: Actor, id: string): Promise<Project> {
  return projectFor(deps, actor, "organization:read", id);
}
