import type { Actor, OrganizationName, PageRequest } from "@terrapod/kernel";
import { createOrganization } from "./create-organization.ts";
import { deleteOrganization } from "./delete-organization.ts";
import type { OrganizationDeps } from "./deps.ts";
import { getOrganization } from "./get-organization.ts";
import { listOrganizations } from "./list-organizations.ts";
import { readEntitlements } from "./read-entitlements.ts";
import { readOrganizationPermissions } from "./read-organization-permissions.ts";
import type { CreateOrganizationInput, UpdateOrganizationInput } from "./schemas.ts";
import { updateOrganization } from "./update-organization.ts";

export function createOrganizationService(deps: OrganizationDeps) {
  return {
    create: (actor: Actor, input: CreateOrganizationInput) => createOrganization(deps, actor, input),
    get: (actor: Actor, name: OrganizationName) => getOrganization(deps, actor, name),
    list: (actor: Actor, page: PageRequest) => listOrganizations(deps, actor, page),
    update: (actor: Actor, name: OrganizationName, input: UpdateOrganizationInput) =>
      updateOrganization(deps, actor, name, input),
    delete: (actor: Actor, name: OrganizationName) => deleteOrganization(deps, actor, name),
    permissions: (actor: Actor, name: OrganizationName) => readOrganizationPermissions(deps, actor, name),
    entitlements: (actor: Actor, name: OrganizationName) => readEntitlements(deps, actor, name),
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;
