import type { Actor } from "@terrapod/kernel";
import type { ProjectDeps } from "./deps.ts";
import type { Project, ProjectPermissions } from "./model.ts";

export async function readProjectPermissions(
  deps: ProjectDeps,
  actor: Actor,
  project: Project,
): Promise<ProjectPermissions> {
  const can = (a: Parameters<typeof deps.access.canOnOrganization>[1]) =>
    deps.access.canOnOrganization(actor, a, project.organization);
  const [canRead, canManage, canCreateWorkspace] = await Promise.all([
    can("organization:read"),
    can("project:manage"),
    can("workspace:create"),
  ]);
  return {
    canRead,
    canUpdate: canManage,
    canDestroy: canManage && !project.isDefault,
    canCreateWorkspace,
    canMoveWorkspace: canManage,
  };
}
