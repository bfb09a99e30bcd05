import type { Actor, OrganizationName, Page, PageRequest } from "@terrapod/kernel";
import { organizationFor } from "../organization/index.ts";
import type { ProjectDeps } from "./deps.ts";
import type { Project } from "./model.ts";
import { parseProjectInput } from "./parse-input.ts";
import { listProjectRows } from "./queries.ts";
import { ListProjectsInput } from "./schemas.ts";

/** The projects of an organization in name order; `names` matches exactly, `query` by substring. */
export async function listProjects(
  deps: ProjectDeps,
  actor: Actor,
  organization: OrganizationName,
  raw: ListProjectsInput,
  page: PageRequest,
): Promise<Page<Project>> {
  const org = await organizationFor(deps, actor, "organization:read", organization);
  const input = parseProjectInput(ListProjectsInput, raw);
  const { items, total } = await listProjectRows(
    deps.db,
    { organizationId: org.id, names: input.names, query: input.query },
    page,
  );
  return { items, total, page: page.page, size: page.size };
}
