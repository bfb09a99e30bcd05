import type { Actor, OrganizationName, Page, PageRequest } from "@terrapod/kernel";
import { organizationNamed } from "../organization/queries.ts";
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
  await deps.access.requireOrganization(actor, "organization:read", organization);
  const input = parseInput(ListWorkspacesInput, raw);
  const org = await organizationNamed(deps.db, organization);
  const visibility = await deps.access.visibleWorkspaces(actor, organization);
  if (visibility === "none") return { items: [], total: 0, page: page.page, size: page.size };
  const { items, total } = await listWorkspaceRows(deps.db, { ...input, organizationId: org.id }, page);
  return { items, total, page: page.page, size: page.size };
}
