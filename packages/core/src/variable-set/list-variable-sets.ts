import type { Actor, OrganizationName, Page, PageRequest } from "@terrapod/kernel";
import { organizationNamed } from "../organization/queries.ts";
import { parseInput } from "../shared/validate.ts";
import type { VariableSetDeps } from "./deps.ts";
import type { VariableSet } from "./model.ts";
import { listVariableSetRows } from "./queries.ts";
import { ListVariableSetsInput } from "./schemas.ts";

/** The variable sets of an organization, in name order; `query` filters by name. */
export async function listVariableSets(
  deps: VariableSetDeps,
  actor: Actor,
  organization: OrganizationName,
  raw: ListVariableSetsInput,
  page: PageRequest,
): Promise<Page<VariableSet>> {
  await deps.access.requireOrganization(actor, "varset:read", organization);
  const input = parseInput(ListVariableSetsInput, raw);
  const org = await organizationNamed(deps.db, organization);
  const { items, total } = await listVariableSetRows(
    deps.db,
    { organizationId: org.id, query: input.query },
    page,
  );
  return { items, total, page: page.page, size: page.size };
}
