import { type Actor, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import type { OrganizationDeps } from "./deps.ts";
import type { Organization } from "./model.ts";
import { findOrganizationByName } from "./queries.ts";

/** Reads an organization the actor can see; NotFoundError otherwise (hidden and missing look the same). */
export async function getOrganization(
  deps: OrganizationDeps,
  actor: Actor,
  name: OrganizationName,
): Promise<Organization> {
  await deps.access.requireOrganization(actor, "organization:read", name);
  const org = await findOrganizationByName(deps.db, name);
  if (!org) throw new NotFoundError("organization", name);
  return org;
}
