import {
  type Actor,
  NotFoundError,
  type OrganizationName,
  type Page,
  type PageRequest,
  type WorkspaceId,
} from "@terrapod/kernel";
import { findWorkspaceById, findWorkspaceByName } from "../workspace/queries.ts";
import type { StateVersionDeps } from "./deps.ts";
import type { StateVersion } from "./model.ts";
import { findCurrentStateVersion, findStateVersion, listStateVersionRows } from "./queries.ts";

async function requireStateRead(deps: StateVersionDeps, actor: Actor, workspaceId: string) {
  const ws = await findWorkspaceById(deps.db, workspaceId);
  if (!ws) throw new NotFoundError("workspace", workspaceId);
  await deps.access.requireWorkspace(actor, "state:read", ws);
  return ws;
}

export async function getStateVersion(
  deps: StateVersionDeps,
  actor: Actor,
  id: string,
): Promise<StateVersion> {
  const sv = await findStateVersion(deps.db, id);
  if (!sv) throw new NotFoundError("state version", id);
  await requireStateRead(deps, actor, sv.workspaceId);
  return sv;
}

/** The workspace's current state version; NotFoundError when it has none (the CLI reads that as "no state"). */
export async function getCurrentStateVersion(
  deps: StateVersionDeps,
  actor: Actor,
  workspaceId: string,
): Promise<StateVersion> {
  await requireStateRead(deps, actor, workspaceId);
  const sv = await findCurrentStateVersion(deps.db, workspaceId);
  if (!sv) throw new NotFoundError("current state version of workspace", workspaceId);
  return sv;
}

/** `GET /state-versions?filter[workspace][name]=…&filter[organization][name]=…`, newest first. */
export async function listStateVersions(
  deps: StateVersionDeps,
  actor: Actor,
  ref: { organization: OrganizationName; workspace: string } | { workspaceId: WorkspaceId },
  page: PageRequest,
): Promise<Page<StateVersion>> {
  let workspaceId: string;
  if ("workspaceId" in ref) {
    workspaceId = (await requireStateRead(deps, actor, ref.workspaceId)).id;
  } else {
    await deps.access.requireOrganization(actor, "organization:read", ref.organization);
    const ws = await findWorkspaceByName(deps.db, ref.organization, ref.workspace);
    if (!ws) throw new NotFoundError("workspace", `${ref.organization}/${ref.workspace}`);
    await deps.access.requireWorkspace(actor, "state:read", ws);
    workspaceId = ws.id;
  }
  const { items, total } = await listStateVersionRows(deps.db, workspaceId, page);
  return { items, total, page: page.page, size: page.size };
}
