import { runs } from "@terrapod/db";
import {
  type Actor,
  ConflictError,
  describeActor,
  NotFoundError,
  type OrganizationName,
} from "@terrapod/kernel";
import { and, eq, inArray, lt } from "drizzle-orm";
import type { WorkspaceAction } from "../access/index.ts";
import { findWorkspaceForUpdate, lockForRun } from "../workspace/index.ts";
import { addComment } from "./comments.ts";
import type { RunDeps } from "./deps.ts";
import { forceCancelCoolOffHeartbeats, terminalStatuses, workspaceHoldingStatuses } from "./lifecycle.ts";
import type { Run } from "./model.ts";
import { findRunById } from "./queries.ts";
import { loadRun } from "./read-runs.ts";
import { applyRunEvent } from "./transitions.ts";

type Row = NonNullable<Awaited<ReturnType<typeof findRunById>>>;

async function lockedRun(
  deps: RunDeps,
  tx: Parameters<typeof findRunById>[0],
  actor: Actor,
  id: string,
  action: WorkspaceAction,
) {
  const row = await findRunById(tx, id, true);
  if (!row) throw new NotFoundError("run", id);
  await deps.access.requireWorkspace(
    actor,
    action,
    { id: row.run.workspaceId as Run["workspaceId"], organization: row.orgName as OrganizationName },
    { tx },
  );
  return row;
}

async function reload(deps: RunDeps, id: string): Promise<Run> {
  const row = await findRunById(deps.db, id);
  if (!row) throw new NotFoundError("run", id);
  return loadRun(deps, row);
}

/**
 * `actions/apply`: confirms a planned run (or a saved plan, when its workspace is free). Its `comment`,
 * like those of discard and cancel, is kept as a run comment (TFE does so).
 */
export async function confirmRun(deps: RunDeps, actor: Actor, id: string, comment?: string): Promise<Run> {
  await deps.db.transaction(async (tx) => {
    const probe = await findRunById(tx, id);
    if (!probe) throw new NotFoundError("run", id);
    // Lock order: workspace first, then run (as the scheduler does).
    const ws = await findWorkspaceForUpdate(tx, probe.run.workspaceId);
    const row = await lockedRun(deps, tx, actor, id, "run:apply");
    if (row.run.status === "planned_and_saved") {
      const [busy] = await tx
        .select({ id: runs.id })
        .from(runs)
        .where(
          and(
            eq(runs.workspaceId, row.run.workspaceId),
            eq(runs.speculative, false),
            inArray(runs.status, [...workspaceHoldingStatuses]),
          ),
        )
        .limit(1);
      if (busy || (ws?.lock && !(ws.lock.holder.kind === "run" && ws.lock.holder.runId === id))) {
        throw new ConflictError("the workspace is busy or locked; the saved plan cannot be applied now", {
          id,
        });
      }
      await lockForRun(tx, row.run.workspaceId, id, deps.clock.now());
    }
    await applyRunEvent(
      tx,
      deps,
      row.run,
      { type: "confirm" },
      { confirmedBy: describeActor(actor), confirmedByUserId: actor.kind === "user" ? actor.userId : null },
      actor,
    );
    await addComment(tx, deps, actor, id, comment);
  });
  deps.signals.runQueued();
  return reload(deps, id);
}

/** `actions/discard`: drops a plan awaiting confirmation and frees the workspace. */
export async function discardRun(deps: RunDeps, actor: Actor, id: string, comment?: string): Promise<Run> {
  let row: Row | undefined;
  await deps.db.transaction(async (tx) => {
    row = await lockedRun(deps, tx, actor, id, "run:discard");
    await applyRunEvent(tx, deps, row.run, { type: "discard" }, {}, actor);
    await addComment(tx, deps, actor, id, comment);
  });
  if (row) await deps.queue.runEnded(row.run.workspaceId, id);
  return reload(deps, id);
}

/**
 * `actions/cancel`: a waiting run ends at once; a running phase is asked to stop (the runner interrupts
 * the engine, saves what exists, and the run ends `canceled`). `force` kills a phase that was already
 * asked to stop.
 */
export async function cancelRun(
  deps: RunDeps,
  actor: Actor,
  id: string,
  opts: { force: boolean; comment?: string | undefined },
): Promise<Run> {
  let ended = false;
  let workspaceId = "";
  let signal: "cancel" | "kill" | undefined;
  let interrupted: { phase: "plan" | "apply"; phaseId: string } | undefined;
  await deps.db.transaction(async (tx) => {
    const row = await lockedRun(deps, tx, actor, id, opts.force ? "run:force-cancel" : "run:cancel");
    workspaceId = row.run.workspaceId;
    const planning = row.run.status === "planning";
    const now = deps.clock.now();
    const t = await applyRunEvent(
      tx,
      deps,
      row.run,
      { type: opts.force ? "force_cancel" : "cancel" },
      opts.force
        ? { forceCancelRequested: true }
        : {
            cancelRequestedAt: row.run.cancelRequestedAt ?? now,
            forceCancelAvailableAt:
              row.run.forceCancelAvailableAt ??
              new Date(now.getTime() + forceCancelCoolOffHeartbeats * deps.heartbeatIntervalSeconds * 1000),
          },
      actor,
    );
    await addComment(tx, deps, actor, id, opts.comment);
    ended = terminalStatuses.includes(t.status);
    if (t.signalKill) signal = "kill";
    else if (t.signalCancel) signal = "cancel";
    // A killed phase's runner can no longer report (its token died with the phase): its log is kept here.
    if (t.signalKill)
      interrupted = planning
        ? { phase: "plan", phaseId: row.run.planId }
        : { phase: "apply", phaseId: row.run.applyId };
  });
  if (signal) deps.signals.stopJob(id, signal === "kill");
  if (ended) await deps.queue.runEnded(workspaceId, id, interrupted);
  return reload(deps, id);
}

/**
 * `actions/force-execute`: runs a pending run now by ending every older run of its workspace that is
 * still waiting or awaiting confirmation.
 */
export async function forceExecuteRun(deps: RunDeps, actor: Actor, id: string): Promise<Run> {
  let workspaceId = "";
  await deps.db.transaction(async (tx) => {
    const row = await lockedRun(deps, tx, actor, id, "run:force-execute");
    if (row.run.status !== "pending") {
      throw new ConflictError("only a pending run can be force-executed", { id, status: row.run.status });
    }
    workspaceId = row.run.workspaceId;
    const older = await tx
      .select()
      .from(runs)
      .where(
        and(
          eq(runs.workspaceId, workspaceId),
          eq(runs.speculative, false),
          lt(runs.createdAt, row.run.createdAt),
          inArray(runs.status, ["pending", "plan_queued", "planned", "planned_and_saved", "apply_queued"]),
        ),
      )
      .for("update");
    for (const other of older) {
      const event = other.status === "planned" || other.status === "planned_and_saved" ? "discard" : "cancel";
      await applyRunEvent(tx, deps, other, { type: event }, {}, `force-execute of ${id}`);
      await tx
        .update(runs)
        .set({ errorMessage: `superseded by ${id}` })
        .where(eq(runs.id, other.id));
    }
  });
  // The scheduler releases a lock held by a run that has ended and starts this one.
  await deps.queue.schedule(workspaceId);
  return reload(deps, id);
}
