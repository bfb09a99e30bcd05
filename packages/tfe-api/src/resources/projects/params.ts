import type { CreateProjectInput, ListProjectsInput, UpdateProjectInput } from "@terrapod/core";
import { InvalidError } from "@terrapod/kernel";
import { type AttributeMap, mapAttributes } from "../../jsonapi/attributes.ts";
import { type JsonApiData, relationshipList } from "../../jsonapi/body.ts";

/** TFE's `projects` vocabulary; read-only attributes a client may echo back are ignored. */
export const projectAttributes: AttributeMap = {
  fields: { name: "name", description: "description" },
  ignored: ["created-at", "workspace-count", "team-count", "stack-count", "is-unified", "permissions"],
};

/**
 * Project settings TFE has and Terrapod does not (yet). Each may be sent as "unset" (null, or `false`
 * overwrites, which mean "inherit from the organization", what every project here does); a real value is
 * refused rather than silently dropped.
 */
function refuseUnsupported(attrs: Record<string, unknown>): Record<string, unknown> {
  const {
    "auto-destroy-activity-duration": autoDestroy,
    "default-execution-mode": executionMode,
    "default-agent-pool-id": agentPool,
    "setting-overwrites": overwrites,
    ...rest
  } = attrs;
  if (autoDestroy !== undefined && autoDestroy !== null) {
    throw new InvalidError(
      "auto-destroy-activity-duration is not supported: projects cannot destroy inactive workspaces yet",
      "/data/attributes/auto-destroy-activity-duration",
    );
  }
  if (executionMode !== undefined && executionMode !== null) {
    throw new InvalidError(
      "default-execution-mode is not supported on projects yet: new workspaces use the organization's default-execution-mode",
      "/data/attributes/default-execution-mode",
    );
  }
  if (agentPool !== undefined && agentPool !== null) {
    throw new InvalidError(
      "default-agent-pool-id is not supported: this server has no agent pools",
      "/data/attributes/default-agent-pool-id",
    );
  }
  if (overwrites !== undefined && overwrites !== null) {
    if (typeof overwrites !== "object" || Array.isArray(overwrites)) {
      throw new InvalidError("setting-overwrites must be an object", "/data/attributes/setting-overwrites");
    }
    if (Object.values(overwrites).some((v) => v !== false && v !== null)) {
      throw new InvalidError(
        "setting-overwrites may only be false: projects inherit their settings from the organization",
        "/data/attributes/setting-overwrites",
      );
    }
  }
  return rest;
}

function refuseTagBindings(data: JsonApiData): void {
  if (relationshipList(data, "tag-bindings").length > 0) {
    throw new InvalidError(
      "tag bindings on projects are not supported yet",
      "/data/relationships/tag-bindings",
    );
  }
}

export function createProjectInput(data: JsonApiData): CreateProjectInput {
  refuseTagBindings(data);
  return mapAttributes(refuseUnsupported(data.attributes), projectAttributes) as CreateProjectInput;
}

export function updateProjectInput(data: JsonApiData): UpdateProjectInput {
  refuseTagBindings(data);
  return mapAttributes(refuseUnsupported(data.attributes), projectAttributes) as UpdateProjectInput;
}

/** `filter[names]` (comma-separated exact names; project names cannot contain commas) and `q`. */
export function listProjectsInput(params: URLSearchParams): ListProjectsInput {
  const out: ListProjectsInput = {};
  const names = params.get("filter[names]");
  if (names !== null && names !== "") {
    out.names = names
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  }
  const q = params.get("q");
  if (q) out.query = q;
  return out;
}
