import type { Actor, Page, PageRequest } from "@terrapod/kernel";
import { projectFor } from "../project/index.ts";
import { parseInput } from "../shared/validate.ts";
import type { VariableSetDeps } from "./deps.ts";
import type { VariableSet } from "./model.ts";
import { listVariableSetRows } from "./queries.ts";
import { ListVariableSetsInput } from "./schemas.ts";

/** The variable sets that reach the workspaces of a project: global sets and sets applied to it. */
export async function listProjectVariableSets(
  deps: VariableSetDeps,
  actor: Actor,
  projectId: string,
  raw: ListVariableSetsInput,
  page: PageRequest,
): Promise<Page<VariableSet>> {
  const project = await projectFor(deps, actor, "varset:read", projectId);
  const input = parseInput(ListVariableSetsInput, raw);
  const { items, total } = await listVariableSetRows(
    deps.db,
    { organizationId: project.organizationId, query: input.query, projectId: project.id },
    page,
  );
  return { items, total, page: page.page, size: page.size };
}
