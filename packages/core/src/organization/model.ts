import type { OrganizationId, OrganizationName, ProjectId } from "@terrapod/kernel";
import type { ExecutionMode } from "../shared/types.ts";

export type Organization = {
  readonly id: OrganizationId;
  readonly name: OrganizationName;
  readonly email: string;
  readonly collaboratorAuthPolicy: string;
  readonly costEstimationEnabled: boolean;
  readonly sessionRemember: number | null;
  readonly sessionTimeout: number | null;
  readonly allowForceDeleteWorkspaces: boolean;
  readonly assessmentsEnforced: boolean;
  readonly defaultExecutionMode: ExecutionMode;
  readonly sendPassingStatusesForUntriggeredSpeculativePlans: boolean;
  /** Where workspaces land unless told otherwise (every organization has one; see project domain). */
  readonly defaultProjectId: ProjectId | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

/** What the calling actor may do with an organization (TFE `permissions`). */
export type OrganizationPermissions = {
  readonly canUpdate: boolean;
  readonly canDestroy: boolean;
  readonly canCreateWorkspace: boolean;
  readonly canManageTags: boolean;
  readonly canReadVarsets: boolean;
  readonly canManageVarsets: boolean;
  readonly canManageProjects: boolean;
};

/** Features this server really has, reported as the TFE entitlement set. */
export type Entitlements = {
  readonly operations: boolean;
  readonly stateStorage: boolean;
};

export const organizationNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
export const organizationNameMaxLength = 40;
