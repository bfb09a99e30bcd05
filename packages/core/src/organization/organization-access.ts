import type { Actor, OrganizationName } from "@terrapod/kernel";
import type { OrganizationAction } from "../access/index.ts";
import type { LoadOptions } from "../shared/load-options.ts";
import type { OrganizationDeps } from "./deps.ts";
import type { Organization } from "./model.ts";
import { organizationNamed } from "./queries.ts";

/**
 * Checks the actor may do `action` in an organization, then loads it. Missing and hidden organizations
 * both give NotFoundError; one the actor can see but may not act in gives ForbiddenError. The check comes
 * first: the policy decides on the name alone, so a hidden organization costs no query.
 */
export async function organizationFor(
  deps: Pick<OrganizationDeps, "db" | "access">,
  actor: Actor,
  action: OrganizationAction,
  name: OrganizationName,
  opts?: Pick<LoadOptions, "tx">,
): Promise<Organization> {
  await deps.access.requireOrganization(actor, action, name);
  return organizationNamed(opts?.tx ?? deps.db, name);
}
