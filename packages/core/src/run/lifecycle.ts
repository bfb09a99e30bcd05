import { assertNever, ConflictError } from "@terrapod/kernel";

import { type RunStatus, terminalRunStatuses } from "../shared/run-status.ts";

export type { RunStatus };

export type PhaseStatus =
  | "pending"
  | "queued"
  | "running"
  | "finished"
  | "errored"
  | "canceled"
  | "unreachable";

/** The facts about a run the status machine needs. */
export type RunFlags = {
  readonly status: RunStatus;
  readonly planOnly: boolean;
  readonly savePlan: boolean;
  readonly autoApply: boolean;
  readonly allowEmptyApply: boolean;
  /**
   * A cancel was requested and the cool-off after it has passed (the runner was told to stop and had
   * time to): a phase still running may now be force-canceled.
   */
  readonly forceCancelOpen: boolean;
};

export type RunEvent =
  | { readonly type: "queue" }
  | { readonly type: "start" }
  | { readonly type: "plan_finished"; readonly hasChanges: boolean }
  | { readonly type: "plan_errored" }
  | { readonly type: "confirm" }
  | { readonly type: "apply_finished" }
  | { readonly type: "apply_errored" }
  | { readonly type: "discard" }
  | { readonly type: "cancel" }
  | { readonly type: "phase_canceled" }
  | { readonly type: "force_cancel" }
  | { readonly type: "error" }
  /** A plan whose runner was lost goes back to the queue (plans change nothing, so retrying is safe). */
  | { readonly type: "requeue" };

/** The outcome of an event: the new run status and the plan/apply statuses that change with it. */
export type Transition = {
  readonly status: RunStatus;
  readonly plan?: PhaseStatus;
  readonly apply?: PhaseStatus;
  /** True when a running phase must be told to stop (the status changes when it has stopped). */
  readonly signalCancel?: boolean;
  readonly signalKill?: boolean;
};

/** Statuses a run never leaves. */
export const terminalStatuses: readonly RunStatus[] = terminalRunStatuses;

/** Statuses in which a non-speculative run holds its workspace (the per-workspace queue). */
export const workspaceHoldingStatuses: readonly RunStatus[] = [
  "plan_queued",
  "planning",
  "planned",
  "confirmed",
  "apply_queued",
  "applying",
];

export const runningStatuses: readonly RunStatus[] = ["planning", "applying"];

export class InvalidRunTransitionError extends ConflictError {
  constructor(from: RunStatus, event: RunEvent["type"]) {
    super(
      `cannot ${event.replace(/_/g, " ")} a run that is ${from.replace(/_/g, " ")}`,
      { from, event },
      "transition is not allowed",
    );
  }
}

function only(run: RunFlags, event: RunEvent["type"], allowed: readonly RunStatus[]): void {
  if (!allowed.includes(run.status)) throw new InvalidRunTransitionError(run.status, event);
}

/** The run status machine: one pure function, table-tested. */
export function transition(run: RunFlags, event: RunEvent): Transition {
  switch (event.type) {
    case "queue":
      only(run, event.type, ["pending"]);
      return { status: "plan_queued", plan: "queued" };
    case "start":
      only(run, event.type, ["plan_queued", "apply_queued"]);
      return run.status === "plan_queued"
        ? { status: "planning", plan: "running" }
        : { status: "applying", apply: "running" };
    case "plan_finished":
      only(run, event.type, ["planning"]);
      if (run.planOnly) return { status: "planned_and_finished", plan: "finished", apply: "unreachable" };
      if (run.savePlan) return { status: "planned_and_saved", plan: "finished" };
      if (!event.hasChanges && !run.allowEmptyApply) {
        return { status: "planned_and_finished", plan: "finished", apply: "unreachable" };
      }
      if (run.autoApply) return { status: "apply_queued", plan: "finished", apply: "queued" };
      return { status: "planned", plan: "finished" };
    case "plan_errored":
      only(run, event.type, ["planning"]);
      return { status: "errored", plan: "errored", apply: "unreachable" };
    case "confirm":
      only(run, event.type, ["planned", "planned_and_saved"]);
      return { status: "apply_queued", apply: "queued" };
    case "apply_finished":
      only(run, event.type, ["applying"]);
      return { status: "applied", apply: "finished" };
    case "apply_errored":
      only(run, event.type, ["applying"]);
      return { status: "errored", apply: "errored" };
    case "discard":
      only(run, event.type, ["planned", "planned_and_saved"]);
      return { status: "discarded", apply: "unreachable" };
    case "cancel":
      only(run, event.type, ["pending", "plan_queued", "planning", "confirmed", "apply_queued", "applying"]);
      if (run.status === "planning" || run.status === "applying")
        return { status: run.status, signalCancel: true };
      if (run.status === "apply_queued" || run.status === "confirmed")
        return { status: "canceled", apply: "canceled" };
      return { status: "canceled", plan: "canceled", apply: "unreachable" };
    case "phase_canceled":
      only(run, event.type, ["planning", "applying"]);
      return run.status === "planning"
        ? { status: "canceled", plan: "canceled", apply: "unreachable" }
        : { status: "canceled", apply: "canceled" };
    case "force_cancel":
      only(run, event.type, ["planning", "applying"]);
      if (!run.forceCancelOpen) throw new InvalidRunTransitionError(run.status, "force_cancel");
      return run.status === "planning"
        ? { status: "force_canceled", plan: "canceled", apply: "unreachable", signalKill: true }
        : { status: "force_canceled", apply: "canceled", signalKill: true };
    case "error":
      if (terminalStatuses.includes(run.status)) throw new InvalidRunTransitionError(run.status, "error");
      if (run.status === "applying" || run.status === "apply_queued" || run.status === "confirmed") {
        return { status: "errored", apply: "errored" };
      }
      return run.status === "planned" || run.status === "planned_and_saved"
        ? { status: "errored", apply: "unreachable" }
        : { status: "errored", plan: "errored", apply: "unreachable" };
    case "requeue":
      only(run, event.type, ["planning"]);
      return { status: "plan_queued", plan: "queued" };
    default:
      return assertNever(event);
  }
}

/**
 * How long after a cancel request force-cancel opens, in runner heartbeat intervals: by then the runner
 * has heard of the cancel (it learns at its next heartbeat) and had an interval to stop gracefully.
 */
export const forceCancelCoolOffHeartbeats = 2;

/** What a caller may do with a run now (TFE `actions`). */
export type RunActions = {
  readonly isCancelable: boolean;
  readonly isConfirmable: boolean;
  readonly isDiscardable: boolean;
  readonly isForceCancelable: boolean;
};

export function runActions(run: RunFlags): RunActions {
  const s = run.status;
  return {
    isCancelable: ["pending", "plan_queued", "planning", "confirmed", "apply_queued", "applying"].includes(s),
    isConfirmable: s === "planned" || s === "planned_and_saved",
    isDiscardable: s === "planned" || s === "planned_and_saved",
    isForceCancelable: (s === "planning" || s === "applying") && run.forceCancelOpen,
  };
}

/** The status shown to clients: go-tfe knows no `force_canceled`, and the CLI checks for `canceled`. */
export function wireStatus(status: RunStatus): string {
  return status === "force_canceled" ? "canceled" : status;
}
