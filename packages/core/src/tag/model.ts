import type { OrganizationName, TagId } from "@terrapod/kernel";

export type OrganizationTag = {
  readonly id: TagId;
  readonly name: string;
  readonly organization: OrganizationName;
  readonly instanceCount: number;
};
