import { runs } from "@terrapod/db";
import { and, eq, ne } from "drizzle-orm";
import type { JobDeps } from "./deps.ts";

/** Workspaces with runs waiting, for the periodic sweep that re-arms anything a lost wake-up left behind. */
export async function listPendingWorkspaces(deps: Pick<JobDeps, "db">): Promise<string[]> {
  const rows = await deps.db
    .selectDistinct({ id: runs.workspaceId })
    .from(runs)
    .where(and(eq(runs.status, "pending"), ne(runs.workspaceId, "")));
  return rows.map((r) => r.id);
}
