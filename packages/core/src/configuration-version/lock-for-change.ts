import { type ConfigurationVersionRow, configurationVersions, type Executor } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { WorkspaceAction } from "../access/index.ts";
import type { Workspace } from "../workspace/model.ts";
import { findWorkspaceForUpdate } from "../workspace/queries.ts";
import type { ConfigurationVersionDeps } from "./deps.ts";
import { findConfigurationVersion } from "./queries.ts";

/**
 * Inside a transaction, locks a configuration version for a change after checking the actor may do
 * `action` on its workspace. The workspace row is locked first: that serializes the change with uploads
 * and run creation on the workspace.
 */
export async function lockConfigurationVersionForChange(
  deps: ConfigurationVersionDeps,
  tx: Executor,
  actor: Actor,
  id: string,
  action: WorkspaceAction,
): Promise<{ readonly ws: Workspace; readonly row: ConfigurationVersionRow }> {
  const probe = await findConfigurationVersion(tx, id);
  if (!probe) throw new NotFoundError("configuration version", id);
  const ws = await findWorkspaceForUpdate(tx, probe.workspaceId);
  if (!ws) throw new NotFoundError("configuration version", id);
  await deps.access.requireWorkspace(actor, action, ws);
  const [row] = await tx
    .select()
    .from(configurationVersions)
    .where(eq(configurationVersions.id, id))
    .for("update");
  if (!row) throw new NotFoundError("configuration version", id);
  return { ws, row };
}
