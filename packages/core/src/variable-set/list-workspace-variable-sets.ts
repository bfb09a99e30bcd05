import type { Actor, Page, PageRequest } from "@terrapod/kernel";
import { parseInput } from "../shared/validate.ts";
import { workspaceFor } from "../workspace/index.ts";
import type { VariableSetDeps } from "./deps.ts";
import type { VariableSet } from "./model.ts";
import { listVariableSetRows } from "./queries.ts";
import { ListVariableSetsInput } from "./schemas.ts";

/**
 * The variable sets that reach a workspace: global sets, sets applied to its project and sets applied
 * to it. Readable by whoever may read the workspace's variables.
 */
export async function listWorkspaceVariableSets(
  deps: VariableSetDeps,
  actor: Actor,
  workspaceId: string,
  raw: ListVariableSetsInput,
  page: PageRequest,
): Promise<Page<VariableSet>> {
  const ws = await workspaceFor(deps, actor, "variable:read", workspaceId);
  const input = parseInput(ListVariableSetsInput, raw);
  const { items, total } = await listVariableSetRows(
    deps.db,
    { organizationId: ws.organizationId, query: input.query, workspace: ws },
    page,
  );
  return { items, total, page: page.page, size: page.size };
}
