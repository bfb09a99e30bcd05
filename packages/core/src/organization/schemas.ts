import { z } from "zod";
import { organizationNameMaxLength, organizationNamePattern } from "./model.ts";

export const OrganizationNameInput = z
  .string()
  .min(1, "is required")
  .max(organizationNameMaxLength, `must be at most ${organizationNameMaxLength} characters`)
  .regex(
    organizationNamePattern,
    "may contain only letters, numbers, '-' and '_', and must start with a letter or number",
  );

const ExecutionModeInput = z.enum(["remote", "local", "agent"]);

export const CreateOrganizationInput = z.strictObject({
  name: OrganizationNameInput,
  email: z.email("must be a valid email address"),
  collaboratorAuthPolicy: z.enum(["password", "two_factor_mandatory"]).optional(),
  costEstimationEnabled: z.boolean().optional(),
  sessionRemember: z.number().int().positive().nullable().optional(),
  sessionTimeout: z.number().int().positive().nullable().optional(),
  allowForceDeleteWorkspaces: z.boolean().optional(),
  assessmentsEnforced: z.boolean().optional(),
  defaultExecutionMode: ExecutionModeInput.optional(),
  sendPassingStatusesForUntriggeredSpeculativePlans: z.boolean().optional(),
  /** User tokens always work here (there are no team tokens to fall back on): only `true` is accepted. */
  userTokensEnabled: z
    .boolean()
    .refine((v) => v, "user tokens cannot be disabled: Terrapod has no team tokens to use instead")
    .optional(),
});
export type CreateOrganizationInput = z.infer<typeof CreateOrganizationInput>;

export const UpdateOrganizationInput = CreateOrganizationInput.partial();
export type UpdateOrganizationInput = z.infer<typeof UpdateOrganizationInput>;
