import { configurationVersions, runs } from "@terrapod/db";
import { and, asc, eq, inArray, ne } from "drizzle-orm";
import { findWorkspaceForUpdate, lockForRun, releaseRunLock } from "../workspace/queries.ts";
import type { RunDeps } from "./deps.ts";
import { terminalStatuses, workspaceHoldingStatuses } from "./lifecycle.ts";
import { applyRunEvent } from "./transitions.ts";

/**
 * The per-workspace queue, with the database as the queue of truth. Speculative plans start at once and
 * never hold the workspace; other runs wait in creation order until no run holds the workspace and no
 * user holds its lock; the next one then takes the lock. Runs whose configuration failed to upload error.
 * Safe to call any number of times, from any replica (the workspace row is locked).
 */
export async function scheduleWorkspace(deps: RunDeps, workspaceId: string): Promise<void> {
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
        await applyRunEvent(
          tx,
          deps,
          run,
          { type: "error" },
          {
            errorMessage: "the configuration version failed to upload",
          },
        );
      } else if (run.speculative && cvStatus === "uploaded") {
        await applyRunEvent(tx, deps, run, { type: "queue" }, { queuedAt: deps.clock.now() });
        queued = true;
      }
    }

    // A lock held by a run that has ended is stale (e.g. the run was removed): release it.
    if (ws.lock?.holder.kind === "run") {
      const holderId = ws.lock.holder.runId;
      const [holder] = await tx.select({ status: runs.status }).from(runs).where(eq(runs.id, holderId));
      if (
        !holder ||
        terminalStatuses.includes(holder.status as never) ||
        holder.status === "planned_and_saved"
      ) {
        await releaseRunLock(tx, ws.id, holderId);
      } else {
        return;
      }
    } else if (ws.lock) {
      return; // a user or token holds the workspace: runs wait
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
    if (active) return;

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

/** After a run ended: release its hold on the workspace and let the next run go. */
export async function afterRunEnded(deps: RunDeps, workspaceId: string, runId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await releaseRunLock(tx, workspaceId, runId);
  });
  await scheduleWorkspace(deps, workspaceId);
}

/** Workspaces with runs waiting, for the periodic sweep that re-arms anything a lost wake-up left behind. */
export async function workspacesWithPendingRuns(deps: RunDeps): Promise<string[]> {
  const rows = await deps.db
    .selectDistinct({ id: runs.workspaceId })
    .from(runs)
    .where(and(eq(runs.status, "pending"), ne(runs.workspaceId, "")));
  return rows.map((r) => r.id);
}
