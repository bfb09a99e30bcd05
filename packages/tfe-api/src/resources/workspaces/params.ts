import type { CreateWorkspaceInput, ListWorkspacesInput, TagRefsInput } from "@terrapod/core";
import { InvalidError } from "@terrapod/kernel";
import { type AttributeMap, mapAttributes, onlyEmpty, onlyFalse } from "../../jsonapi/attributes.ts";
import { type JsonApiData, relationshipId, relationshipList } from "../../jsonapi/body.ts";
import { idInput, idParams, knownIds } from "../../jsonapi/ids.ts";

/**
 * Every attribute a workspace create or update accepts; the table in docs/settings.md says what each
 * does. `restricted` ones name features Terrapod does not have: only values that change nothing pass.
 */
export const workspaceAttributes: AttributeMap = {
  fields: {
    name: "name",
    description: "description",
    "execution-mode": "executionMode",
    "terraform-version": "terraformVersion",
    engine: "engine",
    "auto-apply": "autoApply",
    "working-directory": "workingDirectory",
    "allow-destroy-plan": "allowDestroyPlan",
    "auto-destroy-at": "autoDestroyAt",
    "file-triggers-enabled": "fileTriggersEnabled",
    "queue-all-runs": "queueAllRuns",
    "speculative-enabled": "speculativeEnabled",
    "global-remote-state": "globalRemoteState",
    "assessments-enabled": "assessmentsEnabled",
    "trigger-prefixes": "triggerPrefixes",
    "trigger-patterns": "triggerPatterns",
    "source-name": "sourceName",
    "source-url": "sourceUrl",
    labels: "labels",
  },
  // Handled by workspaceInput (operations, vcs-repo, setting-overwrites); inherited from nothing
  // (projects have no auto-destroy settings here, so inheriting them changes nothing either way); or
  // accepted and reported off: `structured-run-output-enabled` (no JSON logs or redacted plan JSON yet,
  // so the CLIs must render plain logs; the hashicorp/tfe provider sends `true` by default, so refusing
  // it would break every tfe_workspace).
  ignored: [
    "operations",
    "vcs-repo",
    "setting-overwrites",
    "inherits-project-auto-destroy",
    "structured-run-output-enabled",
  ],
  restricted: {
    "agent-pool-id": onlyEmpty("Terrapod has no agent pools yet"),
    "auto-apply-run-trigger": onlyFalse("Terrapod has no run triggers yet"),
    "auto-destroy-activity-duration": onlyEmpty(
      "inactivity-based auto-destroy is not available; schedule one with auto-destroy-at",
    ),
    "hyok-enabled": onlyFalse("hold-your-own-key encryption is an HCP Terraform feature"),
    "project-remote-state": onlyFalse(
      "project-wide state sharing is not available; use global-remote-state or remote state consumers",
    ),
    "migration-environment": onlyEmpty("there are no legacy environments to migrate from"),
  },
};

/** Wire document → core input, for create (`forCreate`) or update. */
export function workspaceInput(data: JsonApiData, forCreate: boolean): Record<string, unknown> {
  const input = mapAttributes(data.attributes, workspaceAttributes);
  const vcs = data.attributes["vcs-repo"];
  if (vcs !== undefined && vcs !== null) {
    throw new InvalidError("VCS-connected workspaces are not supported yet", "/data/attributes/vcs-repo");
  }
  // Legacy `operations` flag: false meant local execution.
  const operations = data.attributes.operations;
  if (typeof operations === "boolean" && input.executionMode === undefined) {
    input.executionMode = operations ? "remote" : "local";
  }
  const inherited = executionModeInherited(data.attributes["setting-overwrites"]);
  if (inherited !== undefined) input.executionModeInherited = inherited;
  const project = relationshipId(data, "project");
  // An unknown project is a 422 from core ("project … not found"); a malformed one is too.
  if (project) input.projectId = idInput("project", project, { pointer: "/data/relationships/project" });
  if (forCreate) {
    const tags = tagRefs(data, "tags");
    const bindings = relationshipList(data, "tag-bindings");
    for (const b of bindings) {
      const attrs = (b.attributes ?? {}) as Record<string, unknown>;
      if (typeof attrs.value === "string" && attrs.value !== "") {
        throw new InvalidError(
          "key/value tag bindings are not supported; use tags",
          "/data/relationships/tag-bindings",
        );
      }
      if (typeof attrs.key === "string") tags.names.push(attrs.key);
    }
    if (tags.names.length > 0) input.tagNames = tags.names;
  }
  return input as CreateWorkspaceInput;
}

/**
 * `setting-overwrites`: `execution-mode: false` makes the workspace follow its organization's default
 * execution mode, `true` keeps its own. `agent-pool` changes nothing here (there are no agent pools).
 */
function executionModeInherited(overwrites: unknown): boolean | undefined {
  if (overwrites === undefined || overwrites === null) return undefined;
  const pointer = "/data/attributes/setting-overwrites";
  if (typeof overwrites !== "object" || Array.isArray(overwrites)) {
    throw new InvalidError("setting-overwrites must be an object", pointer);
  }
  const { "execution-mode": mode, "agent-pool": pool } = overwrites as Record<string, unknown>;
  for (const v of [mode, pool]) {
    if (v !== undefined && v !== null && typeof v !== "boolean") {
      throw new InvalidError("setting-overwrites values must be booleans", pointer);
    }
  }
  return typeof mode === "boolean" ? !mode : undefined;
}

/** Tags in a relationship: `{type:"tags", id}` or id-less `{type:"tags", attributes:{name}}`. */
export function tagRefs(data: JsonApiData | { relationships: Record<string, unknown> }, rel: string) {
  const names: string[] = [];
  const ids: string[] = [];
  for (const t of relationshipList(data as JsonApiData, rel)) {
    const attrs = (t.attributes ?? {}) as Record<string, unknown>;
    if (typeof t.id === "string" && t.id !== "") ids.push(t.id);
    else if (typeof attrs.name === "string") names.push(attrs.name);
  }
  return { names, ids } satisfies TagRefsInput;
}

/**
 * A relationships document body (`{data: [...]}`) as tag references. Adding a tag id that names nothing
 * is a 404 (as for an unknown tag); removing one is ignored (as for a tag the workspace does not have).
 */
export function tagRefsFromDocument(doc: unknown, op: "add" | "remove"): TagRefsInput {
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { data?: unknown }).data)) {
    throw new InvalidError("the document must have a `data` array of tags", "/data", "invalid document");
  }
  const { names, ids } = tagRefs({ relationships: { tags: doc } }, "tags");
  return { names, ids: op === "add" ? idParams("tag", ids) : knownIds("tag", ids) };
}

export function listInput(params: URLSearchParams): ListWorkspacesInput {
  const csv = (v: string | null) =>
    v
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const labels: Record<string, string> = {};
  for (const [k, v] of params) {
    const m = /^filter\[labels\]\[([^\]]+)\]$/.exec(k);
    if (m?.[1]) labels[m[1]] = v;
  }
  const out: ListWorkspacesInput = {};
  const search = params.get("search[name]");
  if (search) out.search = search;
  const wildcard = params.get("search[wildcard-name]");
  if (wildcard) out.wildcardName = wildcard;
  const tags = csv(params.get("search[tags]"));
  if (tags?.length) out.tags = tags;
  const exclude = csv(params.get("search[exclude-tags]"));
  if (exclude?.length) out.excludeTags = exclude;
  const project = params.get("filter[project][id]");
  if (project) out.projectId = idInput("project", project, { parameter: "filter[project][id]" });
  if (Object.keys(labels).length > 0) out.labels = labels;
  const currentRunStatus = params.get("filter[current-run][status]");
  if (currentRunStatus) out.currentRunStatus = currentRunStatus;
  const sort = params.get("sort");
  if (sort) out.sort = sort as NonNullable<ListWorkspacesInput["sort"]>;
  return out;
}
