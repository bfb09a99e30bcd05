import type { OrganizationName, RunId, TokenId, UserId, WorkspaceId } from "./ids.ts";

/** Who is calling. `auth` builds it; `core/access` decides what it may do. */
export type Actor =
  | {
      readonly kind: "user";
      readonly userId: UserId;
      readonly username: string;
      readonly siteAdmin: boolean;
      readonly tokenId: TokenId | undefined;
    }
  | {
      readonly kind: "organization-token";
      readonly organization: OrganizationName;
      readonly tokenId: TokenId;
    }
  | {
      /** A runner executing one phase of one run; holds a short-lived job token. */
      readonly kind: "run";
      readonly runId: RunId;
      readonly workspaceId: WorkspaceId;
      readonly organization: OrganizationName;
      readonly phase: "plan" | "apply";
      /** Which execution attempt of the phase the token was issued for. */
      readonly attempt: number;
    }
  | {
      /**
       * The engine of one phase of one run (its CLI configuration's credentials): reads the state of
       * workspaces that share theirs with the run's workspace (`terraform_remote_state`), nothing else.
       */
      readonly kind: "run-reader";
      readonly runId: RunId;
      readonly workspaceId: WorkspaceId;
      readonly organization: OrganizationName;
      readonly phase: "plan" | "apply";
      readonly attempt: number;
    }
  | {
      /** The bearer of a signed capability URL: may do exactly `purpose` on `resourceId`, nothing else. */
      readonly kind: "capability";
      readonly purpose: CapabilityPurpose;
      readonly resourceId: string;
    }
  | { readonly kind: "system"; readonly reason: string };

export type CapabilityPurpose =
  | "state-upload"
  | "json-state-upload"
  | "state-download"
  | "json-state-download"
  | "configuration-upload"
  | "configuration-download"
  | "log-read"
  /** Not a URL capability: the bearer token of a runner executing one phase of one run. */
  | "runner-job"
  /** Not a URL capability: the read-only token the engine of one phase of one run gets. */
  | "run-reader";

export const systemActor = (reason: string): Actor => ({ kind: "system", reason });

export function describeActor(actor: Actor): string {
  switch (actor.kind) {
    case "user":
      return `user ${actor.username}`;
    case "organization-token":
      return `organization token of ${actor.organization}`;
    case "run":
      return `run ${actor.runId}`;
    case "run-reader":
      return `engine of run ${actor.runId}`;
    case "capability":
      return `capability (${actor.purpose} ${actor.resourceId})`;
    case "system":
      return `system (${actor.reason})`;
  }
}
