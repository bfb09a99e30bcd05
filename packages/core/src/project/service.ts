import type { Actor, OrganizationName, PageRequest } from "@terrapod/kernel";
import { createProject } from "./create-project.ts";
import { deleteProject } from "./delete-project.ts";
import type { ProjectDeps } from "./deps.ts";
import { getProject } from "./get-project.ts";
import { listProjects } from "./list-projects.ts";
import type { Project } from "./model.ts";
import { readProjectPermissions } from "./read-project-permissions.ts";
import type { CreateProjectInput, ListProjectsInput, UpdateProjectInput } from "./schemas.ts";
import { updateProject } from "./update-project.ts";

export function createProjectService(deps: ProjectDeps) {
  return {
    create: (actor: Actor, organization: OrganizationName, input: CreateProjectInput) =>
      createProject(deps, actor, organization, input),
    get: (actor: Actor, id: string) => getProject(deps, actor, id),
    list: (actor: Actor, organization: OrganizationName, input: ListProjectsInput, page: PageRequest) =>
      listProjects(deps, actor, organization, input, page),
    update: (actor: Actor, id: string, input: UpdateProjectInput) => updateProject(deps, actor, id, input),
    delete: (actor: Actor, id: string) => deleteProject(deps, actor, id),
    permissions: (actor: Actor, project: Project) => readProjectPermissions(deps, actor, project),
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
