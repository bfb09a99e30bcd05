import type {
  Actor,
  OrganizationName,
  RunId,
  StateVersionId,
  TokenId,
  UserId,
  WorkspaceId,
} from "@terrapod/kernel";
import type { WorkspaceLevel } from "../access/index.ts";
import type { Engine, ExecutionMode } from "../shared/types.ts";

export type { Engine, ExecutionMode } from "../shared/types.ts";

/** Who holds a workspace lock. */
export type LockHolder =
  | { readonly kind: "user"; readonly userId: UserId }
  | { readonly kind: "token"; readonly tokenId: TokenId }
  | { readonly kind: "run"; readonly runId: RunId }
  | { readonly kind: "system" };

export type WorkspaceLock = {
  readonly holder: LockHolder;
  readonly reason: string;
  readonly at: Date;
};

export type Workspace = {
  readonly id: WorkspaceId;
  readonly organization: OrganizationName;
  readonly organizationId: string;
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  /** The execution mode runs use: the organization's default while `executionModeInherited`. */
  readonly executionMode: ExecutionMode;
  /** Follows the organization's default execution mode (TFE `setting-overwrites.execution-mode` false). */
  readonly executionModeInherited: boolean;
  readonly terraformVersion: string;
  readonly engine: Engine;
  readonly autoApply: boolean;
  readonly workingDirectory: string;
  readonly allowDestroyPlan: boolean;
  readonly fileTriggersEnabled: boolean;
  readonly queueAllRuns: boolean;
  readonly speculativeEnabled: boolean;
  readonly globalRemoteState: boolean;
  readonly assessmentsEnabled: boolean;
  /** When the sweeper queues an auto-applied destroy run; null when none is scheduled. */
  readonly autoDestroyAt: Date | null;
  readonly triggerPrefixes: readonly string[];
  readonly triggerPatterns: readonly string[];
  readonly sourceName: string | null;
  readonly sourceUrl: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly tagNames: readonly string[];
  readonly lock: WorkspaceLock | undefined;
  readonly currentStateVersionId: StateVersionId | null;
  readonly currentRunId: RunId | null;
  readonly resourceCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

/** What the calling actor may do with a workspace (TFE `permissions`). */
export type WorkspacePermissions = {
  readonly level: WorkspaceLevel;
  readonly canRead: boolean;
  readonly canQueueRun: boolean;
  readonly canQueueApply: boolean;
  readonly canQueueDestroy: boolean;
  readonly canLock: boolean;
  readonly canUnlock: boolean;
  readonly canForceUnlock: boolean;
  readonly canUpdate: boolean;
  readonly canDestroy: boolean;
  /**
   * May delete the workspace while it still manages resources: an organization owner, or any workspace
   * admin when the organization's `allow-force-delete-workspaces` is on.
   */
  readonly canForceDelete: boolean;
  readonly canReadStateVersions: boolean;
  readonly canReadVariable: boolean;
  readonly canUpdateVariable: boolean;
};

export const workspaceNamePattern = /^[A-Za-z0-9_-]+$/;
export const workspaceNameMaxLength = 90;

export function encodeLockHolder(h: LockHolder): string {
  switch (h.kind) {
    case "user":
      return `user:${h.userId}`;
    case "token":
      return `token:${h.tokenId}`;
    case "run":
      return `run:${h.runId}`;
    case "system":
      return "system";
  }
}

export function decodeLockHolder(raw: string): LockHolder {
  const [kind, id = ""] = raw.split(":", 2);
  if (kind === "user") return { kind, userId: id as UserId };
  if (kind === "token") return { kind, tokenId: id as TokenId };
  if (kind === "run") return { kind, runId: id as RunId };
  return { kind: "system" };
}

/** The lock holder an actor acts as. */
export function lockHolderOf(actor: Actor): LockHolder {
  switch (actor.kind) {
    case "user":
      return { kind: "user", userId: actor.userId };
    case "organization-token":
      return { kind: "token", tokenId: actor.tokenId };
    case "run":
      return { kind: "run", runId: actor.runId };
    case "run-reader":
    case "capability":
    case "system":
      return { kind: "system" };
  }
}

export function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return encodeLockHolder(a) === encodeLockHolder(b);
}

/** Labels: key/value map with the original's limits (50 entries, key ≤63, value ≤255, reserved keys). */
export const labelLimits = { maxEntries: 50, maxKeyLength: 63, maxValueLength: 255 } as const;
export const reservedLabelKeys = [
  "status",
  "pool",
  "mode",
  "backend",
  "owner",
  "drift",
  "version",
  "vcs",
  "locked",
  "branch",
] as const;
export const labelKeyPattern = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
