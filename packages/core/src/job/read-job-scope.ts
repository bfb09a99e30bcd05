import type { OrganizationName, WorkspaceId } from "@terrapod/kernel";
import { findRunById } from "../run/index.ts";
import type { JobDeps } from "./deps.ts";

/** The workspace and organization of a run (to turn a job token into its actor). */
export async function readJobScope(
  deps: Pick<JobDeps, "db">,
  runId: string,
): Promise<{ workspaceId: WorkspaceId; organization: OrganizationName } | undefined> {
  const row = await findRunById(deps.db, runId);
  if (!row) return undefined;
  return { workspaceId: row.run.workspaceId as WorkspaceId, organization: row.orgName as OrganizationName };
}
