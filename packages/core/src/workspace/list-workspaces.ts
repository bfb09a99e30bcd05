import type { Actor, OrganizationName, Page, PageRequest } from "@terrapod/kernel";
import { organizationFor } from "../organization/index.ts";
import { parseInput } from "../shared/validate.ts";
import type { WorkspaceDeps } from "./deps.ts";
import type { Workspace } from "./model.ts";
import { listWorkspaceRows } from "./queries.ts";
import { ListWorkspacesInput } from "./schemas.ts";

export async function listWorkspaces(
  deps: WorkspaceDeps,
  actor: Actor,
  organization: OrganizationName,
  raw: ListWorkspacesInput,
  page: PageRequest,
): Promise<Page<Workspace>> {
  const org = await organizationFor(deps, actor, "organization:read", organization);
  const input = parseInput(ListWorkspacesInput, raw);
  const visibility = await deps.access.visibleWorkspaces(actor, organization);
  if (visibility === "none") return { items: [], total: 0, page: page.page, size: page.size };
  const { items, total } = await listWorkspaceRows(deps.db, { ...input, organizationId: org.id }, page);
  return { items, total, page: page.page, size: page.size };
}
