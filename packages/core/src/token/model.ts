import type { OrganizationName, TokenId, UserId } from "@terrapod/kernel";

export type User = {
  readonly id: UserId;
  readonly username: string;
  readonly email: string;
  readonly siteAdmin: boolean;
  readonly createdAt: Date;
};

export type TokenOwner =
  | { readonly kind: "user"; readonly user: User }
  | { readonly kind: "organization"; readonly organization: OrganizationName };

export type ResolvedToken = {
  readonly id: TokenId;
  readonly owner: TokenOwner;
};
