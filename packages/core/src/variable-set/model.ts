import type { OrganizationName, ProjectId, VariableId, VariableSetId, WorkspaceId } from "@terrapod/kernel";

/**
 * A named group of variables, owned by an organization and applied to every workspace (`global`), to the
 * workspaces of some projects, or to some workspaces. A `priority` set overrides more specific variables,
 * run variables included (see variable/precedence.ts).
 */
export type VariableSet = {
  readonly id: VariableSetId;
  readonly organization: OrganizationName;
  readonly organizationId: string;
  readonly name: string;
  readonly description: string;
  readonly global: boolean;
  readonly priority: boolean;
  readonly workspaceIds: readonly WorkspaceId[];
  readonly projectIds: readonly ProjectId[];
  readonly variableIds: readonly VariableId[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

export const variableSetLimits = { nameMaxLength: 128, descriptionMaxLength: 512 } as const;
