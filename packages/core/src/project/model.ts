import type { OrganizationName, ProjectId } from "@terrapod/kernel";
import type { ExecutionMode } from "../shared/types.ts";

/**
 * A folder of workspaces inside an organization. Every organization has exactly one default project
 * (`isDefault`), where workspaces land unless told otherwise; it can be renamed but not deleted.
 */
export type Project = {
  readonly id: ProjectId;
  readonly organization: OrganizationName;
  readonly organizationId: string;
  readonly name: string;
  readonly description: string;
  readonly isDefault: boolean;
  /**
   * The execution mode new workspaces of the project get. Projects do not override it yet, so it is
   * always the organization's default.
   */
  readonly defaultExecutionMode: ExecutionMode;
  readonly workspaceCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

/** What the calling actor may do with a project (TFE `permissions`). */
export type ProjectPermissions = {
  readonly canRead: boolean;
  readonly canUpdate: boolean;
  readonly canDestroy: boolean;
  readonly canCreateWorkspace: boolean;
  readonly canMoveWorkspace: boolean;
};

/** TFE's rules: 3 to 40 characters, description up to 256. */
export const projectLimits = { nameMinLength: 3, nameMaxLength: 40, descriptionMaxLength: 256 } as const;

/** Letters, numbers, spaces, `-` and `_`; no leading or trailing space. */
export const projectNamePattern = /^[A-Za-z0-9_-](?:[A-Za-z0-9 _-]*[A-Za-z0-9_-])?$/;
