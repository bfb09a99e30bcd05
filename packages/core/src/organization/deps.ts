import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";

export type OrganizationDeps = CoreDeps & {
  readonly access: AccessPolicy;
  /** Server capabilities reported through the entitlement set. */
  readonly features: { readonly remoteOperations: boolean };
};
