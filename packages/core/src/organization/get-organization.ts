import type { Actor, OrganizationName } from "@terrapod/kernel";
import type { OrganizationDeps } from "./deps.ts";
import type { Organization } from "./model.ts";
import { organizationFor } from "./organization-access.ts";

/** Reads an organization the actor can see; NotFoundError otherwise (hidden and missing look the same). */
export async function getOrganization(
  deps: OrganizationDeps,
  actor: Actor,
  name: OrganizationName,
): Promise<Organization> {
  return organizationFor(deps, actor, "organization:read", name);
}
