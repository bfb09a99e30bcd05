import { configurationVersions, runs } from "@terrapod/db";
import { and, asc, eq, inArray } from "drizzle-orm";
import { applyRunEvent, terminalStatuses, workspaceHoldingStatuses } from "../run/index.ts";
import { findWorkspaceForUpdate, lockForRun, releaseRunLock } from "../workspace/index.ts";
import type { JobDeps } from "./deps.ts";

type Tx = Parameters<Parameters<JobDeps["db"]["transaction"]>[0]>[0];
type Workspace = NonNullable<Awaited<ReturnType<typeof findWorkspaceForUpdate>>>;

/**
 * The per-workspace queue, with the database as the queue of truth. Speculative plans start at once and
 * never hold the workspace; other runs wait in creation order until no run holds the workspace and no
 * user holds its lock; the next one then takes the lock. Runs whose configuration failed to upload error.
 * Safe to call any number of times, from any replica (the workspace row is locked).
 */
export async function scheduleWorkspace(deps: JobDeps, workspaceId: string): Promise<void> {
  let queued = false;
  await deps.db.transaction(async (tx) => {
    const ws = await findWorkspaceForUpdate(tx, workspaceId);
    if (!ws) return;
    const pending = await tx
      .select({ run: runs, cvStatus: configurationVersions.status })
      .from(runs)
      .innerJoin(configurationVersions, eq(configurationVersions.id, runs.configurationVersionId))
      .where(and(eq(runs.workspaceId, ws.id), eq(runs.status, "pending")))
      .orderBy(asc(runs.createdAt), asc(runs.id))
      .for("update", { of: runs });

    for (const { run, cvStatus } of pending) {
      if (cvStatus === "errored" || cvStatus === "archived") {
        const errorMessage = "the configuration version failed to upload";
        await applyRunEvent(tx, deps, run, { type: "error" }, { errorMessage });
      } else if (run.speculative && cvStatus === "uploaded") {
        await applyRunEvent(tx, deps, run, { type: "queue" }, { queuedAt: deps.clock.now() });
        queued = true;
      }
    }
    if (!(await workspaceIsFree(tx, ws))) return;

    const next = pending.find(
      (p) => !p.run.speculative && p.cvStatus === "uploaded" && p.run.status === "pending",
    );
    if (!next) return;
    await applyRunEvent(tx, deps, next.run, { type: "queue" }, { queuedAt: deps.clock.now() });
    await lockForRun(tx, ws.id, next.run.id, deps.clock.now());
    queued = true;
  });
  if (queued) deps.signals.runQueued();
}

/** No user, token or live run holds the workspace. A lock held by a run that has ended is released. */
async function workspaceIsFree(tx: Tx, ws: Workspace): Promise<boolean> {
  if (ws.lock?.holder.kind === "run") {
    const holderId = ws.lock.holder.runId;
    const [holder] = await tx.select({ status: runs.status }).from(runs).where(eq(runs.id, holderId));
    const over =
      !holder || terminalStatuses.includes(holder.status as never) || holder.status === "planned_and_saved";
    if (!over) return false;
    await releaseRunLock(tx, ws.id, holderId);
  } else if (ws.lock) {
    return false; // a user or token holds the workspace: runs wait
  }
  const [active] = await tx
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.workspaceId, ws.id),
        eq(runs.speculative, false),
        inArray(runs.status, [...workspaceHoldingStatuses]),
      ),
    )
    .limit(1);
  return !active;
}
