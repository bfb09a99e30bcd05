import type { OrganizationName, WorkspaceId } from "@terrapod/kernel";

/** Workspace access levels, each including the ones before it. */
export const workspaceLevels = ["none", "read", "plan", "write", "admin"] as const;
export type WorkspaceLevel = (typeof workspaceLevels)[number];

export function atLeast(level: WorkspaceLevel, required: WorkspaceLevel): boolean {
  return workspaceLevels.indexOf(level) >= workspaceLevels.indexOf(required);
}

export type OrganizationAction =
  | "organization:read"
  | "organization:update"
  | "organization:delete"
  | "organization:manage-tags"
  | "workspace:create"
  /** Delete a workspace that still manages resources, whatever `allow-force-delete-workspaces` says. */
  | "workspace:force-delete"
  | "varset:read"
  | "varset:manage"
  | "project:manage";

export type SiteAction =
  | "organization:create"
  | "organization:list-all"
  | "runs:execute"
  /** Read the platform's diagnostics (the dependencies' error text on /readyz). */
  | "site:read-diagnostics";

/** Workspace actions and the level each one needs. */
export const workspaceActionLevels = {
  "workspace:read": "read",
  "state:read": "read",
  "state:read-outputs": "read",
  "run:read": "read",
  "variable:read": "read",
  "run:plan": "plan",
  "run:comment": "plan",
  "run:apply": "write",
  "run:cancel": "write",
  "run:discard": "write",
  "workspace:lock": "write",
  "workspace:unlock": "write",
  "state:write": "write",
  "state:read-sensitive": "write",
  "variable:write": "admin",
  "workspace:update": "admin",
  "workspace:delete": "admin",
  "workspace:force-unlock": "admin",
  "run:force-cancel": "admin",
  "run:force-execute": "admin",
  "state:manage-backing-data": "admin",
  "configuration:archive": "write",
  "configuration:manage-backing-data": "admin",
} as const satisfies Record<string, WorkspaceLevel>;

export type WorkspaceAction = keyof typeof workspaceActionLevels;

/**
 * What a run's engine may do on a workspace that shares its state with the run's workspace: what
 * `terraform_remote_state` (backend "remote", any terraform or tofu version) needs, which is the workspace
 * by name, its current state version and the state itself, plus the outputs (tfe-protocol.md §4.1, §4.5).
 */
export const runReaderActions: ReadonlySet<WorkspaceAction> = new Set([
  "workspace:read",
  "state:read",
  "state:read-outputs",
]);

export type WorkspaceSubject = { readonly id: WorkspaceId; readonly organization: OrganizationName };
