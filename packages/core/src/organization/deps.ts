import type { Executor } from "@terrapod/db";
import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";

export type OrganizationDeps = CoreDeps & {
  readonly access: AccessPolicy;
  /** Server capabilities reported through the entitlement set. */
  readonly features: { readonly remoteOperations: boolean };
  /**
   * The project domain's part in creating an organization: its default project, created in the same
   * transaction (`tx`) with the organization's creation time; returns the project's id.
   */
  readonly projects: {
    ensureDefault(tx: Executor, organizationId: string, now: Date): Promise<string>;
  };
};
