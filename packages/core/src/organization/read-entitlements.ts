import type { Actor, OrganizationName } from "@terrapod/kernel";
import type { OrganizationDeps } from "./deps.ts";
import { getOrganization } from "./get-organization.ts";
import type { Entitlements, Organization } from "./model.ts";

/** The features this server really offers to the organization; never claims what does not exist. */
export async function readEntitlements(
  deps: OrganizationDeps,
  actor: Actor,
  name: OrganizationName,
): Promise<{ organization: Organization; entitlements: Entitlements }> {
  const organization = await getOrganization(deps, actor, name);
  return {
    organization,
    entitlements: { operations: deps.features.remoteOperations, stateStorage: true },
  };
}
