import type { StateVersion, StateVersionOutput } from "@terrapod/core";
import { isoTime, type ResourceObject } from "../../jsonapi/document.ts";
import type { UrlBuilder } from "../../urls.ts";

export const stateUploadTtlSeconds = 15 * 60;
export const stateDownloadTtlSeconds = 10 * 60;

function modulesOf(sv: StateVersion): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of sv.resources) {
    const m = out[r.module] ?? {};
    m[r.type] = (m[r.type] ?? 0) + r.count;
    out[r.module] = m;
  }
  return out;
}

function providersOf(sv: StateVersion): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of sv.resources) {
    const p = out[r.provider] ?? {};
    p[r.type] = (p[r.type] ?? 0) + r.count;
    out[r.provider] = p;
  }
  return out;
}

export function serializeStateVersion(sv: StateVersion, urls: UrlBuilder): ResourceObject {
  // Soft-deleted or permanently deleted content cannot be downloaded: no URL for it.
  const finalized = sv.status === "finalized" && sv.backingData === "present";
  return {
    id: sv.id,
    type: "state-versions",
    attributes: {
      "created-at": isoTime(sv.createdAt),
      serial: sv.serial,
      lineage: sv.lineage,
      md5: sv.md5,
      size: sv.size ?? 0,
      status: sv.status,
      intermediate: false,
      "state-version": sv.stateFormatVersion ?? 4,
      "terraform-version": sv.terraformVersion ?? "",
      "resources-processed": sv.resourcesProcessed,
      resources: sv.resources.map((r) => ({
        name: r.name,
        type: r.type,
        count: r.count,
        module: r.module,
        provider: r.provider,
      })),
      modules: modulesOf(sv),
      providers: providersOf(sv),
      "hosted-state-download-url": finalized
        ? urls.capability("state-download", sv.id, stateDownloadTtlSeconds)
        : null,
      "hosted-json-state-download-url":
        finalized && sv.hasJsonState
          ? urls.capability("json-state-download", sv.id, stateDownloadTtlSeconds)
          : null,
      // Upload URLs go only to callers with state:write, while the version awaits that upload (core's
      // `uploads`, upload-access.ts).
      "hosted-state-upload-url": sv.uploads.state
        ? urls.capability("state-upload", sv.id, stateUploadTtlSeconds)
        : null,
      "hosted-json-state-upload-url": sv.uploads.json
        ? urls.capability("json-state-upload", sv.id, stateUploadTtlSeconds)
        : null,
      "vcs-commit-sha": null,
      "vcs-commit-url": null,
      "billable-rum-count": 0,
    },
    relationships: {
      run: { data: sv.runId ? { type: "runs", id: sv.runId } : null },
      workspace: { data: { type: "workspaces", id: sv.workspaceId } },
      outputs: { data: sv.outputIds.map((id) => ({ type: "state-version-outputs", id })) },
    },
    links: { self: `/api/v2/state-versions/${sv.id}` },
  };
}

export function serializeStateVersionOutput(o: StateVersionOutput): ResourceObject {
  return {
    id: o.id,
    type: "state-version-outputs",
    attributes: {
      name: o.name,
      sensitive: o.sensitive,
      type: simpleType(o.type),
      "detailed-type": o.type ?? null,
      value: o.valueHidden ? null : o.value,
    },
    links: { self: `/api/v2/state-version-outputs/${o.id}` },
  };
}

/** TFE's coarse output type: string, number, bool, array (list/set/tuple) or object (map/object). */
export function simpleType(cty: unknown): string | null {
  if (typeof cty === "string") return cty === "dynamic" ? null : cty;
  if (Array.isArray(cty) && typeof cty[0] === "string") {
    return ["list", "set", "tuple"].includes(cty[0]) ? "array" : "object";
  }
  return null;
}
