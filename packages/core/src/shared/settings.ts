import { z } from "zod";

/**
 * Settings Terrapod accepts only with the values it can honour (docs/settings.md). A refused value is a
 * 422 naming the attribute and saying why.
 */

export const noAgentPools =
  "agent execution is not available: Terrapod has no agent pools yet (use remote or local)";

/** An execution mode a workspace, project or organization may be given: `agent` is refused. */
export const ExecutionModeSetting = z
  .enum(["remote", "local", "agent"])
  .refine((mode) => mode !== "agent", noAgentPools);

/** A flag for a feature Terrapod does not have: `false` is accepted, `true` refused with `reason`. */
export function offOnly(reason: string) {
  return z.boolean().refine((v) => !v, `cannot be enabled: ${reason}`);
}
