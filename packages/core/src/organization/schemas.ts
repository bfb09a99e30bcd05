import { z } from "zod";
import { ExecutionModeSetting, offOnly } from "../shared/settings.ts";
import { organizationNameMaxLength, organizationNamePattern } from "./model.ts";

export const OrganizationNameInput = z
  .string()
  .min(1, "is required")
  .max(organizationNameMaxLength, `must be at most ${organizationNameMaxLength} characters`)
  .regex(
    organizationNamePattern,
    "may contain only letters, numbers, '-' and '_', and must start with a letter or number",
  );

/** Only what Terrapod honours is accepted (docs/settings.md); other values are a 422 saying why. */
const noSessions =
  "Terrapod has no browser sessions (API tokens only), so a session setting cannot be honoured";

export const CreateOrganizationInput = z.strictObject({
  name: OrganizationNameInput,
  email: z.email("must be a valid email address"),
  collaboratorAuthPolicy: z
    .enum(["password", "two_factor_mandatory"])
    .refine(
      (p) => p === "password",
      "only password can be honoured: Terrapod has no two-factor authentication yet",
    )
    .optional(),
  /**
   * Accepted and not kept: no cost estimation exists (the organization reads `false`). go-tfe's test helper
   * and many configurations send `true` for every organization, so refusing it would break them.
   */
  costEstimationEnabled: z.boolean().optional(),
  sessionRemember: z.null(noSessions).optional(),
  sessionTimeout: z.null(noSessions).optional(),
  allowForceDeleteWorkspaces: z.boolean().optional(),
  assessmentsEnforced: offOnly("Terrapod has no health assessments (drift detection) yet").optional(),
  defaultExecutionMode: ExecutionModeSetting.optional(),
  sendPassingStatusesForUntriggeredSpeculativePlans: offOnly(
    "Terrapod has no VCS integration, so it sends no commit statuses",
  ).optional(),
  /** User tokens always work here (there are no team tokens to fall back on): only `true` is accepted. */
  userTokensEnabled: z
    .boolean()
    .refine((v) => v, "user tokens cannot be disabled: Terrapod has no team tokens to use instead")
    .optional(),
});
export type CreateOrganizationInput = z.infer<typeof CreateOrganizationInput>;

export const UpdateOrganizationInput = CreateOrganizationInput.partial();
export type UpdateOrganizationInput = z.infer<typeof UpdateOrganizationInput>;
