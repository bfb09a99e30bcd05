import { z } from "zod";

const address = z.string().min(1).max(1024);

export const RunVariableInput = z.strictObject({
  key: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "must be a valid variable name")
    .max(255),
  /** An HCL literal, as the CLI sends it (`"text"`, `42`, `["a"]`). */
  value: z.string().max(1024 * 1024),
});

export const CreateRunInput = z.strictObject({
  workspaceId: z.string().min(1).max(64),
  configurationVersionId: z.string().max(64).optional(),
  message: z.string().max(5000).optional(),
  isDestroy: z.boolean().optional(),
  refresh: z.boolean().optional(),
  refreshOnly: z.boolean().optional(),
  targetAddrs: z.array(address).max(1000).optional(),
  replaceAddrs: z.array(address).max(1000).optional(),
  policyPaths: z.array(z.string().min(1).max(1024)).max(100).optional(),
  invokeActionAddrs: z.array(address).max(100).optional(),
  planOnly: z.boolean().optional(),
  autoApply: z.boolean().optional(),
  allowEmptyApply: z.boolean().optional(),
  savePlan: z.boolean().optional(),
  terraformVersion: z.string().max(64).optional(),
  variables: z.array(RunVariableInput).max(500).optional(),
  source: z.string().max(64).optional(),
});
export type CreateRunInput = z.input<typeof CreateRunInput>;

export const RunOperation = z.enum([
  "plan_only",
  "plan_and_apply",
  "destroy",
  "refresh_only",
  "empty_apply",
  "save_plan",
]);

export const ListRunsInput = z.strictObject({
  statuses: z.array(z.string().max(64)).max(30).optional(),
  operations: z.array(RunOperation).max(6).optional(),
  sources: z.array(z.string().max(64)).max(10).optional(),
  /**
   * `search[user]` / `search[commit]`: the VCS user and commit of a run. Runs here never come from VCS, so
   * a search on either matches nothing.
   */
  vcsSearch: z.boolean().optional(),
  /** `search[basic]`: run id or message, case-insensitive substring. */
  search: z.string().max(255).optional(),
});
export type ListRunsInput = z.input<typeof ListRunsInput>;

export const ListOrganizationRunsInput = ListRunsInput.extend({
  workspaceNames: z.array(z.string().max(255)).max(100).optional(),
  /** Runs here never use agent pools: naming any matches nothing. */
  agentPoolNames: z.array(z.string().max(255)).max(100).optional(),
});
export type ListOrganizationRunsInput = z.input<typeof ListOrganizationRunsInput>;
