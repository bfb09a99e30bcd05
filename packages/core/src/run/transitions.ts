import { type Executor, type RunRow, runEvents, runs } from "@terrapod/db";
import { type Actor, describeActor } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { CoreDeps } from "../shared/deps.ts";
import {
  type PhaseStatus,
  type RunEvent,
  type RunFlags,
  type RunStatus,
  type Transition,
  transition,
} from "./lifecycle.ts";

const phaseTimestampKey: Record<PhaseStatus, string | undefined> = {
  pending: "pending-at",
  queued: "queued-at",
  running: "started-at",
  finished: "finished-at",
  errored: "errored-at",
  canceled: "canceled-at",
  unreachable: undefined,
};

export function flagsOf(row: RunRow, now: Date): RunFlags {
  return {
    status: row.status as RunStatus,
    planOnly: row.planOnly,
    savePlan: row.savePlan,
    autoApply: row.autoApply,
    allowEmptyApply: row.allowEmptyApply,
    forceCancelOpen:
      row.cancelRequestedAt !== null &&
      row.forceCancelAvailableAt !== null &&
      row.forceCancelAvailableAt.getTime() <= now.getTime(),
  };
}

/**
 * Applies an event to a run row (already locked by the caller's transaction): status, plan/apply
 * statuses, status timestamps and a run event, all in one write. Returns the transition.
 */
export async function applyRunEvent(
  tx: Executor,
  deps: Pick<CoreDeps, "clock" | "ids">,
  row: RunRow,
  event: RunEvent,
  extra: Partial<typeof runs.$inferInsert> = {},
  actor?: string | Actor,
): Promise<Transition> {
  const at = deps.clock.now();
  const t = transition(flagsOf(row, at), event);
  const now = at.toISOString();
  const statusTimestamps = { ...row.statusTimestamps };
  if (t.status !== row.status) {
    statusTimestamps[`${t.status.replace(/_/g, "-")}-at`] = now;
    if (event.type === "confirm" || (event.type === "plan_finished" && t.status === "apply_queued")) {
      statusTimestamps["confirmed-at"] = now;
    }
  }
  const patch: Partial<typeof runs.$inferInsert> = {
    ...extra,
    status: t.status,
    statusTimestamps,
    updatedAt: new Date(now),
  };
  if (t.plan) {
    patch.planStatus = t.plan;
    const key = phaseTimestampKey[t.plan];
    if (key) patch.planTimestamps = { ...row.planTimestamps, [key]: now };
  }
  if (t.apply) {
    patch.applyStatus = t.apply;
    const key = phaseTimestampKey[t.apply];
    if (key) patch.applyTimestamps = { ...row.applyTimestamps, [key]: now };
  }
  await tx.update(runs).set(patch).where(eq(runs.id, row.id));
  if (t.status !== row.status || event.type === "cancel") {
    await tx.insert(runEvents).values({
      id: deps.ids("runEvent"),
      runId: row.id,
      action: event.type === "cancel" && t.status === row.status ? "cancel_requested" : t.status,
      description: describe(event, t),
      actor: typeof actor === "object" ? describeActor(actor) : (actor ?? null),
      actorUserId: typeof actor === "object" && actor.kind === "user" ? actor.userId : null,
      createdAt: new Date(now),
    });
  }
  return t;
}

function describe(event: RunEvent, t: Transition): string {
  switch (event.type) {
    case "queue":
      return "Run queued for planning";
    case "start":
      return t.status === "planning" ? "Plan started" : "Apply started";
    case "plan_finished":
      return event.hasChanges ? "Plan finished with changes" : "Plan finished without changes";
    case "confirm":
      return "Run confirmed";
    case "cancel":
      return t.signalCancel ? "Cancel requested" : "Run canceled";
    default:
      return `Run ${t.status.replace(/_/g, " ")}`;
  }
}
