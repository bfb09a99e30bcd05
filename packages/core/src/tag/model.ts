import type { OrganizationName, TagId } from "@terrapod/kernel";

/** A tag of an organization's workspaces. */
export type Tag = {
  readonly id: TagId;
  readonly name: string;
  readonly organization: OrganizationName;
  readonly organizationId: string;
};

export type OrganizationTag = {
  readonly id: TagId;
  readonly name: string;
  readonly organization: OrganizationName;
  readonly instanceCount: number;
};
