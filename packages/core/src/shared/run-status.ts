/**
 * The statuses stored in `runs.status`. The run domain's lifecycle gives them their meaning; other domains
 * only read them (a configuration version still needed by a run, a workspace filtered by its current run).
 */
export type RunStatus =
  | "pending"
  | "plan_queued"
  | "planning"
  | "planned"
  | "confirmed"
  | "apply_queued"
  | "applying"
  | "applied"
  | "planned_and_finished"
  | "planned_and_saved"
  | "discarded"
  | "errored"
  | "canceled"
  | "force_canceled";

/** Statuses a run never leaves. A saved plan (`planned_and_saved`) is not one: it can still be applied. */
export const terminalRunStatuses: readonly RunStatus[] = [
  "applied",
  "planned_and_finished",
  "discarded",
  "errored",
  "canceled",
  "force_canceled",
];
