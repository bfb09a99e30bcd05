import type { Executor } from "@terrapod/db";
import { type Actor, ConflictError, ForbiddenError, NotFoundError } from "@terrapod/kernel";
import { findRunById } from "../run/index.ts";
import { findWorkspaceById, type Workspace } from "../workspace/index.ts";
import { isCurrentPhase } from "./current-job.ts";
import type { JobDeps } from "./deps.ts";

/** The refusal of a state upload from a runner that may not save state (any more). */
const notTheApply = (runId: string) =>
  new ConflictError(
    "only the current apply of the run holding the workspace lock may save state",
    { runId },
    "state upload refused",
  );

/**
 * Whether the run is applying at the actor's attempt and holds its workspace's lock: only such a job
 * may save state (checked before the upload streams, and again with the workspace row locked right
 * before the version becomes current).
 */
async function assertMaySaveState(
  db: Executor,
  actor: Actor & { kind: "run" },
  ws: Workspace | undefined,
): Promise<void> {
  const row = await findRunById(db, actor.runId);
  if (!row) throw new NotFoundError("run", actor.runId);
  const holder = ws?.lock?.holder;
  const holdsLock = holder?.kind === "run" && holder.runId === actor.runId;
  if (!isCurrentPhase(row.run, "apply", actor.attempt) || !holdsLock) throw notTheApply(actor.runId);
}

/**
 * Saves the state an apply produced. Accepted only from the current attempt of the run's apply while
 * the run holds the workspace lock, which a graceful cancel keeps until the runner reports: its partial
 * state is saved. Anything else (a plan, a superseded attempt, an ended run) stores nothing.
 */
export async function saveJobState(deps: JobDeps, actor: Actor, body: ReadableStream<Uint8Array>) {
  if (actor.kind !== "run") throw new ForbiddenError("a runner's job token is required to save state");
  if (actor.phase !== "apply") throw notTheApply(actor.runId);
  const row = await findRunById(deps.db, actor.runId);
  if (!row) throw new NotFoundError("run", actor.runId);
  await assertMaySaveState(deps.db, actor, await findWorkspaceById(deps.db, row.run.workspaceId));
  return deps.saveRunState(row.run.id, row.run.workspaceId, body, (tx, ws) =>
    assertMaySaveState(tx, actor, ws),
  );
}
