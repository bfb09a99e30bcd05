import type { Database } from "@terrapod/db";
import { findWorkspacesByIds } from "./queries.ts";
import { isConsumer } from "./remote-state-queries.ts";

/**
 * May workspace `readerWorkspaceId` (a run of it, through `terraform_remote_state`) read the state outputs
 * of workspace `sourceWorkspaceId`? TFE's rule: a workspace reads its own; another workspace of the same
 * organization reads them when the source shares its state globally (`global-remote-state`) or lists the
 * reader among its remote state consumers. Workspaces of other organizations never do. Unknown ids: no.
 */
export async function canReadRemoteState(
  deps: { readonly db: Database },
  readerWorkspaceId: string,
  sourceWorkspaceId: string,
): Promise<boolean> {
  const found = await findWorkspacesByIds(deps.db, [readerWorkspaceId, sourceWorkspaceId]);
  const reader = found.find((w) => w.id === readerWorkspaceId);
  const source = found.find((w) => w.id === sourceWorkspaceId);
  if (!reader || !source) return false;
  if (reader.id === source.id) return true;
  if (reader.organizationId !== source.organizationId) return false;
  if (source.globalRemoteState) return true;
  return isConsumer(deps.db, source.id, reader.id);
}
