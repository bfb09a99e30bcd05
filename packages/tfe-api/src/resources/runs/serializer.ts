import type { OrganizationCapacity, Run, RunEventRecord, RunPermissions } from "@terrapod/core";
import { wireStatus } from "@terrapod/core";
import { isoTime, type ResourceObject } from "../../jsonapi/document.ts";
import type { UrlBuilder } from "../../urls.ts";

/** The log URL must stay valid while a phase streams; it grants reading that one phase's log. */
export const logReadTtlSeconds = 6 * 3600;

const userRef = (id: string | null) => ({ data: id ? { type: "users", id } : null });

export function serializeRun(
  run: Run,
  perms: RunPermissions,
  extra: { positionInQueue?: number; eventIds?: readonly string[] | undefined } = {},
): ResourceObject {
  const actions = run.actions;
  const canceledAt = run.statusTimestamps["canceled-at"] ?? run.statusTimestamps["force-canceled-at"] ?? null;
  return {
    id: run.id,
    type: "runs",
    attributes: {
      status: wireStatus(run.status),
      "status-timestamps": run.statusTimestamps,
      "created-at": isoTime(run.createdAt),
      "canceled-at": canceledAt,
      "force-cancel-available-at": run.forceCancelAvailableAt ? isoTime(run.forceCancelAvailableAt) : null,
      message: run.message,
      source: run.source,
      "trigger-reason": "manual",
      "has-changes": run.hasChanges,
      "is-destroy": run.isDestroy,
      refresh: run.refresh,
      "refresh-only": run.refreshOnly,
      "plan-only": run.planOnly,
      "save-plan": run.savePlan,
      "auto-apply": run.autoApply,
      "allow-empty-apply": run.allowEmptyApply,
      "allow-config-generation": false,
      "target-addrs": run.targetAddrs.length > 0 ? run.targetAddrs : null,
      "replace-addrs": run.replaceAddrs.length > 0 ? run.replaceAddrs : null,
      "policy-paths": run.policyPaths,
      "invoke-action-addrs": run.invokeActionAddrs,
      "terraform-version": run.engineVersion,
      engine: run.engine,
      // Never to runners (job tokens) or capability bearers: `canReadVariables` (core/run read-runs.ts).
      variables: perms.canReadVariables ? run.variables.map((v) => ({ key: v.key, value: v.value })) : [],
      "position-in-queue": extra.positionInQueue ?? 0,
      "error-message": run.errorMessage,
      actions: {
        "is-cancelable": actions.isCancelable,
        "is-confirmable": actions.isConfirmable,
        "is-discardable": actions.isDiscardable,
        "is-force-cancelable": actions.isForceCancelable,
      },
      permissions: {
        "can-apply": perms.canApply,
        "can-cancel": perms.canCancel,
        "can-discard": perms.canDiscard,
        "can-force-cancel": perms.canForceCancel,
        "can-force-execute": perms.canForceExecute,
        "can-comment": perms.canComment,
        "can-override-policy-check": false,
      },
    },
    relationships: {
      workspace: { data: { type: "workspaces", id: run.workspaceId } },
      "configuration-version": { data: { type: "configuration-versions", id: run.configurationVersionId } },
      plan: { data: { type: "plans", id: run.plan.id } },
      apply: { data: { type: "applies", id: run.apply.id } },
      "cost-estimate": { data: null },
      "policy-checks": { data: [] },
      "task-stages": { data: [] },
      "run-events": {
        ...(extra.eventIds ? { data: extra.eventIds.map((id) => ({ type: "run-events", id })) } : {}),
        links: { related: `/api/v2/runs/${run.id}/run-events` },
      },
      comments: { data: run.commentIds.map((id) => ({ type: "comments", id })) },
      "created-by": userRef(run.createdByUserId),
      "confirmed-by": userRef(run.confirmedByUserId),
    },
    links: { self: `/api/v2/runs/${run.id}` },
  };
}

export function serializePlan(run: Run, urls: UrlBuilder): ResourceObject {
  const p = run.plan;
  return {
    id: p.id,
    type: "plans",
    attributes: {
      status: p.status,
      "status-timestamps": p.timestamps,
      "has-changes": run.hasChanges,
      "generated-configuration": false,
      "resource-additions": p.counts.additions ?? 0,
      "resource-changes": p.counts.changes ?? 0,
      "resource-destructions": p.counts.destructions ?? 0,
      "resource-imports": p.counts.imports ?? 0,
      "log-read-url": urls.capability("log-read", p.id, logReadTtlSeconds),
    },
    relationships: { run: { data: { type: "runs", id: run.id } }, exports: { data: [] } },
    links: { self: `/api/v2/plans/${p.id}`, "json-output": `/api/v2/plans/${p.id}/json-output` },
  };
}

export function serializeApply(run: Run, urls: UrlBuilder): ResourceObject {
  const a = run.apply;
  return {
    id: a.id,
    type: "applies",
    attributes: {
      status: a.status,
      "status-timestamps": a.timestamps,
      "resource-additions": a.counts.additions ?? 0,
      "resource-changes": a.counts.changes ?? 0,
      "resource-destructions": a.counts.destructions ?? 0,
      "resource-imports": a.counts.imports ?? 0,
      "log-read-url": urls.capability("log-read", a.id, logReadTtlSeconds),
    },
    relationships: { run: { data: { type: "runs", id: run.id } } },
    links: { self: `/api/v2/applies/${a.id}` },
  };
}

export function serializeRunEvent(e: RunEventRecord): ResourceObject {
  return {
    id: e.id,
    type: "run-events",
    attributes: { action: e.action, description: e.description, "created-at": isoTime(e.createdAt) },
    relationships: {
      actor: userRef(e.actorUserId),
      comment: { data: e.commentId ? { type: "comments", id: e.commentId } : null },
    },
    links: { self: `/api/v2/run-events/${e.id}` },
  };
}

export function serializeCapacity(c: OrganizationCapacity): ResourceObject {
  return {
    id: c.organization,
    type: "organization-capacity",
    attributes: { pending: c.pending, running: c.running },
  };
}
