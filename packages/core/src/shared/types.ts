/** Types several domains use that belong to none of them. */

/** Where a workspace's runs execute (an organization's and a project's default, a workspace's own). */
export type ExecutionMode = "remote" | "local" | "agent";

/** The infrastructure-as-code binary a workspace's runs use. */
export type Engine = "terraform" | "tofu";
