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
