import { type Actor, ForbiddenError, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import {
  atLeast,
  type OrganizationAction,
  type SiteAction,
  type WorkspaceAction,
  type WorkspaceLevel,
  type WorkspaceSubject,
  workspaceActionLevels,
} from "./model.ts";

/**
 * Decides what an actor may do. Today: site admins and the system may do everything, an organization
 * token administers its own organization, a run's job token reads its workspace and writes its state.
 * The identity work adds users, teams and label roles behind the same functions.
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
  requireWorkspace(actor: Actor, action: WorkspaceAction, ws: WorkspaceSubject): Promise<WorkspaceLevel>;
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

export function createAccessPolicy(): AccessPolicy {
  async function workspaceLevel(actor: Actor, ws: WorkspaceSubject): Promise<WorkspaceLevel> {
    switch (actor.kind) {
      case "system":
        return "admin";
      case "user":
        return actor.siteAdmin ? "admin" : "none";
      case "organization-token":
        return actor.organization === ws.organization ? "admin" : "none";
      case "run":
        return actor.workspaceId === ws.id ? "write" : "none";
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
      if (actor.kind === "run") return "none";
      return (await organizationRole(actor, org)) === "owner" ? "all" : "none";
    },
    async requireOrganization(actor, action, org) {
      if ((await organizationRole(actor, org)) === "none") throw new NotFoundError("organization", org);
      if (!(await canOnOrganization(actor, action, org))) {
        throw permissionRequired(action, { kind: "organization", id: org });
      }
    },
    async requireWorkspace(actor, action, ws) {
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
