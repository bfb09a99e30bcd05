import { type AttributeMap, onlyEmpty, onlyFalse } from "../../jsonapi/attributes.ts";

/**
 * Every attribute an organization create or update accepts; the table in docs/settings.md says what each
 * does. Values Terrapod cannot honour are refused by core (`collaborator-auth-policy`, sessions,
 * assessments, commit statuses, `agent` execution) or here (`restricted`, features it does not have).
 */
export const organizationAttributes: AttributeMap = {
  fields: {
    name: "name",
    email: "email",
    "collaborator-auth-policy": "collaboratorAuthPolicy",
    "cost-estimation-enabled": "costEstimationEnabled",
    "session-remember": "sessionRemember",
    "session-timeout": "sessionTimeout",
    "allow-force-delete-workspaces": "allowForceDeleteWorkspaces",
    "assessments-enforced": "assessmentsEnforced",
    "default-execution-mode": "defaultExecutionMode",
    "send-passing-statuses-for-untriggered-speculative-plans":
      "sendPassingStatusesForUntriggeredSpeculativePlans",
    "user-tokens-enabled": "userTokensEnabled",
  },
  // go-tfe's test helper (and so many scripts) create every organization with `stacks-enabled: true`:
  // accepted, and the organization reads `false` (Terraform Stacks are an HCP Terraform feature).
  ignored: ["stacks-enabled"],
  restricted: {
    "owners-team-saml-role-id": onlyEmpty("Terrapod has no SAML single sign-on"),
    "aggregated-commit-status-enabled": onlyFalse(
      "Terrapod has no VCS integration, so it sends no commit statuses",
    ),
    "speculative-plan-management-enabled": onlyFalse(
      "Terrapod has no VCS integration, so no plans are triggered by commits",
    ),
    "enforce-hyok": onlyFalse("hold-your-own-key encryption is an HCP Terraform feature"),
    "registry-monorepo-support-enabled": onlyFalse("Terrapod has no private module registry yet"),
    "max-ttl-enabled": onlyFalse("Terrapod has no token time-to-live policies yet"),
  },
};
