import {
  type Actor,
  NotFoundError,
  type OrganizationName,
  type Page,
  type PageRequest,
  type WorkspaceId,
} from "@terrapod/kernel";
import { workspaceByNameFor, workspaceFor } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import type { StateVersion } from "./model.ts";
import { findCurrentStateVersion, listStateVersionRows } from "./queries.ts";
import { stateVersionFor } from "./state-version-access.ts";

export async function getStateVersion(
  deps: StateVersionDeps,
  actor: Actor,
  id: string,
): Promise<StateVersion> {
  return stateVersionFor(deps, actor, "state:read", id);
}

/** The workspace's current state version; NotFoundError when it has none (the CLI reads that as "no state"). */
export async function getCurrentStateVersion(
  deps: StateVersionDeps,
  actor: Actor,
  workspaceId: string,
): Promise<StateVersion> {
  await workspaceFor(deps, actor, "state:read", workspaceId);
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
  const ws =
    "workspaceId" in ref
      ? await workspaceFor(deps, actor, "state:read", ref.workspaceId)
      : await workspaceByNameFor(deps, actor, "state:read", ref.organization, ref.workspace);
  const { items, total } = await listStateVersionRows(deps.db, ws.id, page);
  return { items, total, page: page.page, size: page.size };
}
