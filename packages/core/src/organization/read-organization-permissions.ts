import type { Actor, OrganizationName } from "@terrapod/kernel";
import type { OrganizationDeps } from "./deps.ts";
import type { OrganizationPermissions } from "./model.ts";

export async function readOrganizationPermissions(
  deps: OrganizationDeps,
  actor: Actor,
  name: OrganizationName,
): Promise<OrganizationPermissions> {
  const can = (a: Parameters<typeof deps.access.canOnOrganization>[1]) =>
    deps.access.canOnOrganization(actor, a, name);
  const [
    canUpdate,
    canDestroy,
    canCreateWorkspace,
    canManageTags,
    canReadVarsets,
    canManageVarsets,
    canManageProjects,
  ] = await Promise.all([
    can("organization:update"),
    can("organization:delete"),
    can("workspace:create"),
    can("organization:manage-tags"),
    can("varset:read"),
    can("varset:manage"),
    can("project:manage"),
  ]);
  return {
    canUpdate,
    canDestroy,
    canCreateWorkspace,
    canManageTags,
    canReadVarsets,
    canManageVarsets,
    canManageProjects,
  };
}
