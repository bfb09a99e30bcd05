import type { ConfigurationVersionId, WorkspaceId } from "@terrapod/kernel";
import type { BackingData } from "../shared/backing-data.ts";

export type ConfigurationVersionStatus = "pending" | "uploaded" | "errored" | "archived";

export type ConfigurationVersion = {
  readonly id: ConfigurationVersionId;
  readonly workspaceId: WorkspaceId;
  readonly status: ConfigurationVersionStatus;
  readonly errorMessage: string | null;
  readonly autoQueueRuns: boolean;
  readonly speculative: boolean;
  readonly provisional: boolean;
  readonly source: string;
  readonly size: number | null;
  readonly createdAt: Date;
  readonly uploadedAt: Date | null;
  /** Whether the archive is still stored (soft-deleted and permanently deleted ones cannot be read). */
  readonly backingData: BackingData;
};

export function configurationBlobPrefix(workspaceId: string): string {
  return `configuration/${workspaceId}/`;
}

export function configurationBlobKey(workspaceId: string, id: string): string {
  return `configuration/${workspaceId}/${id}.tar.gz`;
}

/** Validates a configuration archive while it streams past (packages/archive satisfies it). */
export type ArchiveInspector = (body: ReadableStream<Uint8Array>) => {
  /** The same bytes, to be stored. */
  readonly output: ReadableStream<Uint8Array>;
  /** Resolves when the archive was read to its end and is safe; rejects with InvalidError otherwise. */
  readonly verdict: Promise<{ entries: number; uncompressedBytes: number }>;
};
