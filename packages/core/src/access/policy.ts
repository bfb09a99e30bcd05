import type { Executor } from "@terrapod/db";
import { type Actor, ForbiddenError, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import {
  atLeast,
  type OrganizationAction,
  runReaderActions,
  type SiteAction,
  type WorkspaceAction,
  type WorkspaceLevel,
  type WorkspaceSubject,
  workspaceActionLevels,
} from "./model.ts";

export type AccessPolicyDeps = {
  /**
   * Whether runs of workspace `readerWorkspaceId` may read the state of `source`, a workspace of the
   * same organization: its owners share it (`global-remote-state`, or the reader among its remote-state
   * consumers). Without it, no run's engine reads any state. `tx`: the transaction the check is made
   * in, if any (its queries must run there: an embedded database has a single connection).
   */
  readonly remoteStateReadable?: (
    readerWorkspaceId: string,
    source: WorkspaceSubject,
    tx?: Executor,
  ) => Promise<boolean>;
};

/** Where an access check runs: inside this transaction, when the caller holds one. */
export type AccessCheckOptions = { readonly tx?: Executor | undefined };

/**
 * Decides what an actor may do. Today: site admins and the system may do everything, an organization
 * token administers its own organization, a runner's job token reads its own workspace (its phase's
 * verbs check the rest; the authenticator admits it on the runner protocol only), and a run's engine
 * (run-reader) reads the state of other workspaces that share theirs with the run's workspace, nothing
 * else. The identity work adds users, teams and label roles behind the same functions.
 */
export type AccessPolicy = {
  workspaceLevel(actor: Actor, ws: WorkspaceSubject): Promise<WorkspaceLevel>;
  canOnOrganization(actor: Actor, action: OrganizationAction, org: OrganizationName): Promise<boolean>;
  canOnSite(actor: Actor, action: SiteAction): boolean;
  /** Which workspaces of an organization the actor may list ("some" is refined per workspace later). */
  visibleWorkspaces(actor: Actor, org: OrganizationName): Promise<"all" | "none">;
  /**
   * Throws NotFoundError when the actor cannot see the organization, ForbiddenError naming `action` when
   * it can see it but may not act.
   */
  requireOrganization(actor: Actor, action: OrganizationAction, org: OrganizationName): Promise<void>;
  /**
   * Throws NotFoundError when the actor cannot see the workspace (level "none"), ForbiddenError naming
   * `action` when it can see it but its level is below the action's.
   */
  requireWorkspace(
    actor: Actor,
    action: WorkspaceAction,
    ws: WorkspaceSubject,
    opts?: AccessCheckOptions,
  ): Promise<WorkspaceLevel>;
  /** Throws ForbiddenError naming `action`: the site is visible to every authenticated actor. */
  requireSite(actor: Actor, action: SiteAction): void;
};

/**
 * The refusal of an access check: the caller can see the resource but lacks `permission`. The message
 * and `details.permission` name it, so a 403 always says what was missing.
 */
function permissionRequired(
  permission: WorkspaceAction | OrganizationAction | SiteAction,
  on?: { readonly kind: "workspace" | "organization"; readonly id: string },
): ForbiddenError {
  const where = on ? ` on ${on.kind} ${on.id}` : "";
  return new ForbiddenError(`permission "${permission}" is required${where}`, {
    permission,
    ...(on ? { resource: on } : {}),
  });
}

/**
 * A run's engine on `ws`: exactly `runReaderActions` when `ws` is another workspace of its organization
 * that shares its state with the run's workspace (403 for anything else), not found otherwise.
 */
async function requireAsRunReader(
  deps: AccessPolicyDeps,
  actor: Actor & { kind: "run-reader" },
  action: WorkspaceAction,
  ws: WorkspaceSubject,
  opts: AccessCheckOptions | undefined,
): Promise<WorkspaceLevel> {
  const shared =
    ws.organization === actor.organization &&
    ws.id !== actor.workspaceId &&
    (await deps.remoteStateReadable?.(actor.workspaceId, ws, opts?.tx)) === true;
  if (!shared) throw new NotFoundError("workspace", ws.id);
  if (!runReaderActions.has(action)) throw permissionRequired(action, { kind: "workspace", id: ws.id });
  return "read";
}

export function createAccessPolicy(deps: AccessPolicyDeps = {}): AccessPolicy {
  async function workspaceLevel(actor: Actor, ws: WorkspaceSubject): Promise<WorkspaceLevel> {
    switch (actor.kind) {
      case "system":
        return "admin";
      case "user":
        return actor.siteAdmin ? "admin" : "none";
      case "organization-token":
        return actor.organization === ws.organization ? "admin" : "none";
      case "run":
        return actor.workspaceId === ws.id ? "read" : "none";
      // No level: it holds `runReaderActions` on workspaces that share their state (requireWorkspace).
      case "run-reader":
      case "capability":
        return "none";
    }
  }

  async function organizationRole(actor: Actor, org: OrganizationName): Promise<"none" | "member" | "owner"> {
    switch (actor.kind) {
      case "system":
        return "owner";
      case "user":
        return actor.siteAdmin ? "owner" : "none";
      case "organization-token":
        return actor.organization === org ? "owner" : "none";
      case "run":
      case "run-reader":
        return actor.organization === org ? "member" : "none";
      case "capability":
        return "none";
    }
  }

  async function canOnOrganization(actor: Actor, action: OrganizationAction, org: OrganizationName) {
    const role = await organizationRole(actor, org);
    if (role === "none") return false;
    if (role === "owner") return action !== "organization:delete" || actor.kind !== "organization-token";
    return action === "organization:read";
  }

  function canOnSite(actor: Actor, _action: SiteAction) {
    return actor.kind === "system" || (actor.kind === "user" && actor.siteAdmin);
  }

  return {
    workspaceLevel,
    canOnOrganization,
    canOnSite,
    async visibleWorkspaces(actor, org) {
      if (actor.kind === "run" || actor.kind === "run-reader") return "none";
      return (await organizationRole(actor, org)) === "owner" ? "all" : "none";
    },
    async requireOrganization(actor, action, org) {
      if ((await organizationRole(actor, org)) === "none") throw new NotFoundError("organization", org);
      if (!(await canOnOrganization(actor, action, org))) {
        throw permissionRequired(action, { kind: "organization", id: org });
      }
    },
    async requireWorkspace(actor, action, ws, opts) {
      if (actor.kind === "run-reader") return requireAsRunReader(deps, actor, action, ws, opts);
      const level = await workspaceLevel(actor, ws);
      if (level === "none") throw new NotFoundError("workspace", ws.id);
      if (!atLeast(level, workspaceActionLevels[action])) {
        throw permissionRequired(action, { kind: "workspace", id: ws.id });
      }
      return level;
    },
    requireSite(actor, action) {
      if (!canOnSite(actor, action)) throw permissionRequired(action);
    },
  };
}
