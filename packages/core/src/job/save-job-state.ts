import { type Actor, ForbiddenError, NotFoundError } from "@terrapod/kernel";
import { findRunById } from "../run/index.ts";
import type { JobDeps } from "./deps.ts";

/**
 * Saves the state an apply produced. Accepted from the apply's runner even after the run was ended
 * (canceled, or errored because the runner went quiet): state is never thrown away.
 */
export async function saveJobState(deps: JobDeps, actor: Actor, body: ReadableStream<Uint8Array>) {
  if (actor.kind !== "run" || actor.phase !== "apply")
    throw new ForbiddenError("only an apply job saves state");
  const row = await findRunById(deps.db, actor.runId);
  if (!row) throw new NotFoundError("run", actor.runId);
  return deps.saveRunState(row.run.id, row.run.workspaceId, body);
}
