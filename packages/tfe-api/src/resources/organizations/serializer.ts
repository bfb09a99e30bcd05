import type { Entitlements, Organization, OrganizationPermissions } from "@terrapod/core";
import { isoTime, type ResourceObject } from "../../jsonapi/document.ts";

export function serializeOrganization(org: Organization, perms: OrganizationPermissions): ResourceObject {
  return {
    id: org.name,
    type: "organizations",
    attributes: {
      name: org.name,
      "external-id": org.id,
      email: org.email,
      "created-at": isoTime(org.createdAt),
      // What Terrapod honours, not what was once stored (docs/settings.md): password logins only, no
      // browser sessions, no cost estimation, assessments or commit statuses.
      "collaborator-auth-policy": "password",
      "cost-estimation-enabled": false,
      "session-remember": null,
      "session-timeout": null,
      "allow-force-delete-workspaces": org.allowForceDeleteWorkspaces,
      "assessments-enforced": false,
      "default-execution-mode": org.defaultExecutionMode,
      "send-passing-statuses-for-untriggered-speculative-plans": false,
      "saml-enabled": false,
      "two-factor-conformant": false,
      "stacks-enabled": false,
      "is-unified": false,
      "fair-run-queuing-enabled": true,
      "plan-expired": false,
      "trial-expires-at": null,
      // User tokens always work; there are no VCS commit statuses or VCS-driven speculative plans.
      "user-tokens-enabled": true,
      "aggregated-commit-status-enabled": false,
      "speculative-plan-management-enabled": false,
      "owners-team-saml-role-id": null,
      permissions: {
        "can-update": perms.canUpdate,
        "can-destroy": perms.canDestroy,
        "can-create-workspace": perms.canCreateWorkspace,
        "can-create-workspace-migration": false,
        "can-create-team": false,
        "can-create-project": perms.canManageProjects,
        "can-deploy-no-code-modules": false,
        "can-manage-no-code-modules": false,
        "can-manage-auditing": false,
        "can-manage-run-tasks": false,
        "can-manage-varsets": perms.canManageVarsets,
        "can-read-varsets": perms.canReadVarsets,
        "can-manage-tags": perms.canManageTags,
        "can-traverse": true,
        "can-update-api-token": false,
        "can-update-oauth": false,
        "can-update-sentinel": false,
        "can-update-hyok-configuration": false,
        "can-view-hyok-feature-info": false,
        "can-enable-stacks": false,
      },
    },
    relationships: {
      "default-project": {
        data: org.defaultProjectId ? { type: "projects", id: org.defaultProjectId } : null,
      },
    },
    links: { self: `/api/v2/organizations/${encodeURIComponent(org.name)}` },
  };
}

/** Only what this server really has is reported as true. */
export function serializeEntitlements(org: Organization, ent: Entitlements): ResourceObject {
  return {
    id: org.id,
    type: "entitlement-sets",
    attributes: {
      operations: ent.operations,
      "state-storage": ent.stateStorage,
      agents: false,
      "audit-logging": false,
      "cost-estimation": false,
      "global-run-tasks": false,
      "module-tests-generation": false,
      "private-module-registry": false,
      "private-run-tasks": false,
      "run-tasks": false,
      sso: false,
      sentinel: false,
      teams: false,
      "vcs-integrations": false,
      "waypoint-actions": false,
      "waypoint-templates-and-addons": false,
      "self-serve-billing": false,
      "configuration-designer": false,
      "user-limit": null,
    },
    links: { self: `/api/v2/entitlement-sets/${org.id}` },
  };
}
