import type { RunId, StateVersionId, StateVersionOutputId, WorkspaceId } from "@terrapod/kernel";
import type { BackingData } from "../shared/backing-data.ts";
import type { ResourceSummary } from "./state-file.ts";

export type StateVersionStatus = "pending" | "finalized" | "discarded";

export type StateVersion = {
  readonly id: StateVersionId;
  readonly workspaceId: WorkspaceId;
  readonly serial: number;
  readonly lineage: string | null;
  readonly md5: string;
  readonly status: StateVersionStatus;
  readonly size: number | null;
  readonly hasJsonState: boolean;
  readonly terraformVersion: string | null;
  readonly stateFormatVersion: number | null;
  readonly resources: readonly ResourceSummary[];
  readonly resourcesProcessed: boolean;
  readonly runId: RunId | null;
  readonly outputIds: readonly StateVersionOutputId[];
  readonly createdAt: Date;
  readonly finalizedAt: Date | null;
  /** Whether the state file is still stored (soft-deleted and permanently deleted ones cannot be read). */
  readonly backingData: BackingData;
  /**
   * The uploads the caller may make now, so the TFE API hands out their URLs: the caller holds
   * `state:write` and the version awaits that content (upload-access.ts). All false unless a verb
   * answering a caller set them.
   */
  readonly uploads: { readonly state: boolean; readonly json: boolean };
};

export type StateVersionOutput = {
  readonly id: StateVersionOutputId;
  readonly stateVersionId: StateVersionId;
  readonly name: string;
  readonly sensitive: boolean;
  /** cty type JSON. */
  readonly type: unknown;
  /** The value; `undefined` when sensitive and the caller may not read it. */
  readonly value: unknown;
  readonly valueHidden: boolean;
};

/** Pending uploads older than this no longer block unlocking and can never be finalized. */
export const pendingUploadTtlMs = 15 * 60_000;

/**
 * Whether a version awaits its JSON state (`terraform show -json`): while pending, and for a while after
 * it was finalized without one (go-tfe uploads the raw and the JSON state in parallel).
 */
export function awaitsJsonState(
  sv: Pick<StateVersion, "status" | "hasJsonState" | "finalizedAt">,
  now: Date,
  opts: { replace: boolean } = { replace: false },
): boolean {
  if (sv.status === "pending") return true;
  if (sv.status !== "finalized" || !sv.finalizedAt || (sv.hasJsonState && !opts.replace)) return false;
  return now.getTime() - sv.finalizedAt.getTime() <= pendingUploadTtlMs;
}

/** Where all of a workspace's states live. */
export function stateBlobPrefix(workspaceId: string): string {
  return `state/${workspaceId}/`;
}

export function stateBlobKey(workspaceId: string, id: string): string {
  return `state/${workspaceId}/${id}.tfstate`;
}

export function jsonStateBlobKey(workspaceId: string, id: string): string {
  return `state/${workspaceId}/${id}.json`;
}
