import type { LockHolder, Workspace, WorkspacePermissions } from "@terrapod/core";
import { isoTime, type Relationship, type ResourceObject } from "../../jsonapi/document.ts";

function lockedBy(holder: LockHolder | undefined): Relationship {
  if (!holder) return { data: null };
  switch (holder.kind) {
    case "user":
      return { data: { type: "users", id: holder.userId } };
    case "run":
      return { data: { type: "runs", id: holder.runId } };
    case "token":
    case "system":
      return { data: null };
  }
}

/** `variableIds`: the workspace's own variables (`vars` relationship data), when the caller may read them. */
export function serializeWorkspace(
  ws: Workspace,
  perms: WorkspacePermissions,
  variableIds?: readonly string[],
): ResourceObject {
  return {
    id: ws.id,
    type: "workspaces",
    attributes: {
      name: ws.name,
      description: ws.description,
      "created-at": isoTime(ws.createdAt),
      "updated-at": isoTime(ws.updatedAt),
      "execution-mode": ws.executionMode,
      operations: ws.executionMode !== "local",
      "terraform-version": ws.terraformVersion,
      engine: ws.engine,
      "auto-apply": ws.autoApply,
      "auto-apply-run-trigger": false,
      "allow-destroy-plan": ws.allowDestroyPlan,
      "assessments-enabled": ws.assessmentsEnabled,
      "can-queue-destroy-plan": ws.allowDestroyPlan,
      "file-triggers-enabled": ws.fileTriggersEnabled,
      "global-remote-state": ws.globalRemoteState,
      "project-remote-state": false,
      "queue-all-runs": ws.queueAllRuns,
      "speculative-enabled": ws.speculativeEnabled,
      "structured-run-output-enabled": false,
      "working-directory": ws.workingDirectory,
      "trigger-prefixes": ws.triggerPrefixes,
      "trigger-patterns": ws.triggerPatterns,
      "source-name": ws.sourceName,
      "source-url": ws.sourceUrl,
      source: "tfe-api",
      "vcs-repo": null,
      "vcs-repo-identifier": null,
      locked: ws.lock !== undefined,
      "locked-reason": ws.lock?.reason ?? "",
      "tag-names": ws.tagNames,
      labels: ws.labels,
      "resource-count": ws.resourceCount,
      environment: "default",
      "migration-environment": "",
      "apply-duration-average": null,
      "plan-duration-average": null,
      "policy-check-failures": null,
      "run-failures": null,
      "workspace-kpis-runs-count": null,
      "latest-change-at": isoTime(ws.updatedAt),
      "setting-overwrites": { "execution-mode": false, "agent-pool": false },
      actions: { "is-destroyable": perms.canDestroy },
      permissions: {
        "can-update": perms.canUpdate,
        "can-destroy": perms.canDestroy,
        "can-queue-run": perms.canQueueRun,
        "can-queue-apply": perms.canQueueApply,
        "can-queue-destroy": perms.canQueueDestroy,
        "can-read-variable": perms.canReadVariable,
        "can-update-variable": perms.canUpdateVariable,
        "can-read-state-versions": perms.canReadStateVersions,
        "can-read-state-outputs": perms.canRead,
        "can-create-state-versions": perms.canQueueApply,
        "can-lock": perms.canLock,
        "can-unlock": perms.canUnlock,
        "can-force-unlock": perms.canForceUnlock,
        "can-read-settings": perms.canRead,
        "can-manage-tags": perms.canUpdate,
        "can-manage-run-tasks": false,
        "can-manage-hyok": false,
        "can-force-delete": perms.canDestroy,
      },
    },
    relationships: {
      organization: { data: { type: "organizations", id: ws.organization } },
      project: { data: { type: "projects", id: ws.projectId } },
      "current-run": { data: ws.currentRunId ? { type: "runs", id: ws.currentRunId } : null },
      "current-state-version": {
        data: ws.currentStateVersionId ? { type: "state-versions", id: ws.currentStateVersionId } : null,
      },
      "current-configuration-version": { data: null },
      "agent-pool": { data: null },
      "ssh-key": { data: null },
      "locked-by": lockedBy(ws.lock?.holder),
      "latest-run": { data: ws.currentRunId ? { type: "runs", id: ws.currentRunId } : null },
      outputs: { data: [] },
      "remote-state-consumers": {
        links: { related: `/api/v2/workspaces/${ws.id}/relationships/remote-state-consumers` },
      },
      vars: {
        ...(variableIds ? { data: variableIds.map((id) => ({ type: "vars", id })) } : {}),
        links: { related: `/api/v2/workspaces/${ws.id}/vars` },
      },
    },
    links: {
      self: `/api/v2/organizations/${encodeURIComponent(ws.organization)}/workspaces/${encodeURIComponent(ws.name)}`,
      "self-html": `/app/${encodeURIComponent(ws.organization)}/workspaces/${encodeURIComponent(ws.name)}`,
    },
  };
}
