import type {
  LockHolder,
  StateVersionOutput,
  Workspace,
  WorkspacePermissions,
  WorkspaceResource,
} from "@terrapod/core";
import { isoTime, type Relationship, type ResourceObject } from "../../jsonapi/document.ts";
import { simpleType } from "../state-versions/serializer.ts";

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

/** Facts about a workspace that other domains own; each is left out of the document when not given. */
export type WorkspaceExtras = {
  /** The workspace's own variables (`vars` relationship data), when the caller may read them. */
  readonly variableIds?: readonly string[] | undefined;
  /** `current-configuration-version` (null: the workspace has none). */
  readonly currentConfigurationVersionId?: string | null | undefined;
  /** How many runs the workspace has had (`workspace-kpis-runs-count`). */
  readonly runsCount?: number | undefined;
  /** The current state's outputs (`outputs` relationship data, type `workspace-outputs`). */
  readonly outputIds?: readonly string[] | undefined;
};

export function serializeWorkspace(
  ws: Workspace,
  perms: WorkspacePermissions,
  extras: WorkspaceExtras = {},
): ResourceObject {
  return {
    id: ws.id,
    type: "workspaces",
    attributes: attributesOf(ws, perms, extras.runsCount),
    relationships: relationshipsOf(ws, extras),
    links: {
      self: `/api/v2/organizations/${encodeURIComponent(ws.organization)}/workspaces/${encodeURIComponent(ws.name)}`,
      "self-html": `/app/${encodeURIComponent(ws.organization)}/workspaces/${encodeURIComponent(ws.name)}`,
    },
  };
}

/** The workspace's attributes; settings Terrapod does not have take TFE's defaults. */
function attributesOf(
  ws: Workspace,
  perms: WorkspacePermissions,
  runsCount: number | undefined,
): Record<string, unknown> {
  return {
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
    "auto-destroy-at": ws.autoDestroyAt ? isoTime(ws.autoDestroyAt) : null,
    "auto-destroy-activity-duration": null,
    // No health assessments exist: always off (enabling them is refused).
    "assessments-enabled": false,
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
    "workspace-kpis-runs-count": runsCount ?? null,
    "latest-change-at": isoTime(ws.updatedAt),
    // false: the workspace follows its organization's default execution mode (and its absent agent pool).
    "setting-overwrites": { "execution-mode": !ws.executionModeInherited, "agent-pool": false },
    actions: { "is-destroyable": perms.canDestroy },
    permissions: permissionsOf(perms),
  };
}

/** The `permissions` attribute, in TFE's names. */
function permissionsOf(perms: WorkspacePermissions): Record<string, boolean> {
  return {
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
    "can-force-delete": perms.canForceDelete,
  };
}

/** The relationships; `current-configuration-version` and `outputs` only when the extras give them. */
function relationshipsOf(ws: Workspace, extras: WorkspaceExtras): Record<string, Relationship> {
  const { variableIds, currentConfigurationVersionId, outputIds } = extras;
  return {
    organization: { data: { type: "organizations", id: ws.organization } },
    project: { data: { type: "projects", id: ws.projectId } },
    "current-run": { data: ws.currentRunId ? { type: "runs", id: ws.currentRunId } : null },
    "current-state-version": {
      data: ws.currentStateVersionId ? { type: "state-versions", id: ws.currentStateVersionId } : null,
    },
    ...(currentConfigurationVersionId !== undefined
      ? {
          "current-configuration-version": {
            data: currentConfigurationVersionId
              ? { type: "configuration-versions", id: currentConfigurationVersionId }
              : null,
          },
        }
      : {}),
    "agent-pool": { data: null },
    "ssh-key": { data: null },
    "locked-by": lockedBy(ws.lock?.holder),
    "latest-run": { data: ws.currentRunId ? { type: "runs", id: ws.currentRunId } : null },
    ...(outputIds ? { outputs: { data: outputIds.map((id) => ({ type: "workspace-outputs", id })) } } : {}),
    "remote-state-consumers": {
      links: { related: `/api/v2/workspaces/${ws.id}/relationships/remote-state-consumers` },
    },
    vars: {
      ...(variableIds ? { data: variableIds.map((id) => ({ type: "vars", id })) } : {}),
      links: { related: `/api/v2/workspaces/${ws.id}/vars` },
    },
  };
}

/** An output of the workspace's current state (`include=outputs`); sensitive values stay hidden. */
export function serializeWorkspaceOutput(o: StateVersionOutput): ResourceObject {
  return {
    id: o.id,
    type: "workspace-outputs",
    attributes: {
      name: o.name,
      sensitive: o.sensitive,
      "output-type": simpleType(o.type),
      "detailed-type": o.type ?? null,
      value: o.sensitive || o.valueHidden ? null : o.value,
    },
  };
}

/** A resource instance of the workspace's current state (`GET /workspaces/:id/resources`). */
export function serializeWorkspaceResource(r: WorkspaceResource): ResourceObject {
  return {
    id: r.id,
    type: "resources",
    attributes: {
      address: r.address,
      name: r.name,
      module: r.module,
      provider: r.provider,
      "provider-type": r.providerType,
      "name-index": r.nameIndex,
      // Per-resource history is not kept: when and by which state version it last changed is unknown.
      "created-at": null,
      "updated-at": null,
      "modified-by-state-version-id": null,
    },
  };
}
