import type {
  ApplyId,
  CommentId,
  ConfigurationVersionId,
  OrganizationName,
  PlanId,
  RunId,
  UserId,
  WorkspaceId,
} from "@terrapod/kernel";
import type { PhaseStatus, RunActions, RunStatus } from "./lifecycle.ts";

export type ResourceCounts = {
  readonly additions: number | null;
  readonly changes: number | null;
  readonly destructions: number | null;
  readonly imports: number | null;
};

export type RunPhase<Id> = {
  readonly id: Id;
  readonly status: PhaseStatus;
  readonly timestamps: Readonly<Record<string, string>>;
  readonly counts: ResourceCounts;
};

export type Run = {
  readonly id: RunId;
  readonly workspaceId: WorkspaceId;
  readonly organization: OrganizationName;
  readonly workspaceName: string;
  readonly configurationVersionId: ConfigurationVersionId;
  readonly status: RunStatus;
  readonly message: string;
  readonly source: string;
  readonly isDestroy: boolean;
  readonly refresh: boolean;
  readonly refreshOnly: boolean;
  readonly targetAddrs: readonly string[];
  readonly replaceAddrs: readonly string[];
  /** Policy directories in the configuration (`policy-paths`), recorded as given; no policy engine runs them. */
  readonly policyPaths: readonly string[];
  /** Actions to invoke (`-invoke`, terraform ≥ 1.14). */
  readonly invokeActionAddrs: readonly string[];
  readonly planOnly: boolean;
  readonly speculative: boolean;
  readonly savePlan: boolean;
  readonly autoApply: boolean;
  readonly allowEmptyApply: boolean;
  readonly terraformVersion: string | null;
  readonly engine: "terraform" | "tofu";
  readonly engineVersion: string;
  /** Run variables as given (`-var`): keys and HCL literal values. */
  readonly variables: readonly { key: string; value: string }[];
  readonly createdBy: string | null;
  /** The user who created the run, when a user did. */
  readonly createdByUserId: UserId | null;
  /** The user who confirmed the apply, when a user did. */
  readonly confirmedByUserId: UserId | null;
  readonly hasChanges: boolean;
  readonly errorMessage: string | null;
  readonly statusTimestamps: Readonly<Record<string, string>>;
  readonly plan: RunPhase<PlanId>;
  readonly apply: RunPhase<ApplyId>;
  readonly cancelRequested: boolean;
  /** Set by the first cancel request: when a phase still running may be force-canceled. */
  readonly forceCancelAvailableAt: Date | null;
  /** What may be done with the run now (TFE `actions`), as of when it was read. */
  readonly actions: RunActions;
  readonly attempt: number;
  /** The run's comments, oldest first (TFE `comments`). */
  readonly commentIds: readonly CommentId[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

/** What the calling actor may do with a run (TFE `permissions`). */
export type RunPermissions = {
  readonly canApply: boolean;
  readonly canCancel: boolean;
  readonly canDiscard: boolean;
  readonly canForceCancel: boolean;
  readonly canForceExecute: boolean;
  readonly canComment: boolean;
  /**
   * Whether the run's variables (`-var` values, which may be secrets) are shown: to people and their
   * tokens who read the run, never to runners (job and run-reader tokens) or capability URL bearers.
   */
  readonly canReadVariables: boolean;
};

export type RunEventRecord = {
  readonly id: string;
  readonly action: string;
  readonly description: string;
  /** The user who caused it, when a user did (TFE `actor`). */
  readonly actorUserId: UserId | null;
  /** The comment a `commented` event records (TFE `comment`). */
  readonly commentId: CommentId | null;
  readonly createdAt: Date;
};

/** A comment on a run (TFE `comments`). */
export type RunComment = {
  readonly id: CommentId;
  readonly runId: RunId;
  readonly body: string;
  /** The user who wrote it, when a user did. */
  readonly authorUserId: UserId | null;
  /** The run's `commented` event for it. */
  readonly runEventId: string | null;
  readonly createdAt: Date;
};

export type OrganizationCapacity = {
  readonly organization: OrganizationName;
  readonly pending: number;
  readonly running: number;
};

export function logStreamName(phaseId: string): string {
  return `run-log:${phaseId}`;
}

type RunRef = { readonly id: string; readonly workspaceId: string };

/** A finished phase's log. Run blobs are grouped by workspace so deleting one removes them all. */
export function logBlobKey(run: RunRef, phase: "plan" | "apply"): string {
  return `logs/${run.workspaceId}/${run.id}/${phase}.log`;
}

/** Plan files, lock files, plan JSON, provider schemas. */
export function artifactBlobKey(run: RunRef, name: string): string {
  return `runs/${run.workspaceId}/${run.id}/${name}`;
}

/** Every prefix holding a workspace's run blobs. */
export function runBlobPrefixes(workspaceId: string): string[] {
  return [`logs/${workspaceId}/`, `runs/${workspaceId}/`];
}
