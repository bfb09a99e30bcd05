import type { OrganizationName, WorkspaceId } from "@terrapod/kernel";
import { findRunById } from "../run/index.ts";
import { isCurrentPhase } from "./current-job.ts";
import type { JobDeps } from "./deps.ts";

/** The phase a job or run-reader token names. */
export type PhaseRef = { readonly runId: string; readonly phase: "plan" | "apply"; readonly attempt: number };

/**
 * The workspace and organization of a phase token's run (to turn the token into its actor), only while
 * that phase and attempt is the run's current one: a token dies with its phase (finished, canceled,
 * force-canceled, reaped, superseded by a retry).
 */
export async function readJobScope(
  deps: Pick<JobDeps, "db">,
  ref: PhaseRef,
): Promise<{ workspaceId: WorkspaceId; organization: OrganizationName } | undefined> {
  const row = await findRunById(deps.db, ref.runId);
  if (!row || !isCurrentPhase(row.run, ref.phase, ref.attempt)) return undefined;
  return { workspaceId: row.run.workspaceId as WorkspaceId, organization: row.orgName as OrganizationName };
}
