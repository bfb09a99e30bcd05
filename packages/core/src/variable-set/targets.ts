import type { Executor } from "@terrapod/db";
import { NotFoundError, type ProjectId, type WorkspaceId } from "@terrapod/kernel";
import { findProjectInOrganization } from "../project/index.ts";
import { findWorkspaceById } from "../workspace/index.ts";

/** Checks every workspace exists in the set's organization; others are NotFound, like missing ones. */
export async function workspacesInOrganization(
  db: Executor,
  organizationId: string,
  ids: readonly string[],
): Promise<WorkspaceId[]> {
  const out: WorkspaceId[] = [];
  for (const id of new Set(ids)) {
    const ws = await findWorkspaceById(db, id);
    if (ws?.organizationId !== organizationId) throw new NotFoundError("workspace", id);
    out.push(ws.id);
  }
  return out;
}

/** Checks every project exists in the set's organization. */
export async function projectsInOrganization(
  db: Executor,
  organizationId: string,
  ids: readonly string[],
): Promise<ProjectId[]> {
  const out: ProjectId[] = [];
  for (const id of new Set(ids)) {
    const project = await findProjectInOrganization(db, organizationId, id);
    if (!project) throw new NotFoundError("project", id);
    out.push(project.id as ProjectId);
  }
  return out;
}
