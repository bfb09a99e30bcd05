import type { Actor, OrganizationName, Page, PageRequest } from "@terrapod/kernel";
import { organizationFor } from "../organization/index.ts";
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
  const org = await organizationFor(deps, actor, "varset:read", organization);
  const input = parseInput(ListVariableSetsInput, raw);
  const { items, total } = await listVariableSetRows(
    deps.db,
    { organizationId: org.id, query: input.query },
    page,
  );
  return { items, total, page: page.page, size: page.size };
}
