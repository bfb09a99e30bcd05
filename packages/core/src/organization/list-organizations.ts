import type { Actor, Page, PageRequest } from "@terrapod/kernel";
import type { OrganizationDeps } from "./deps.ts";
import type { Organization } from "./model.ts";
import { listOrganizationRows } from "./queries.ts";

/** The organizations the actor can see, oldest first. */
export async function listOrganizations(
  deps: OrganizationDeps,
  actor: Actor,
  page: PageRequest,
): Promise<Page<Organization>> {
  let names: string[] | undefined;
  if (!deps.access.canOnSite(actor, "organization:list-all")) {
    names = actor.kind === "organization-token" || actor.kind === "run" ? [actor.organization] : [];
  }
  const { items, total } = await listOrganizationRows(deps.db, names, page);
  return { items, total, page: page.page, size: page.size };
}
