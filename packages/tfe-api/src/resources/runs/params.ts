import type { ListOrganizationRunsInput, ListRunsInput } from "@terrapod/core";
import { InvalidError } from "@terrapod/kernel";
import type { AttributeMap } from "../../jsonapi/attributes.ts";

export const runAttributes: AttributeMap = {
  fields: {
    message: "message",
    "is-destroy": "isDestroy",
    refresh: "refresh",
    "refresh-only": "refreshOnly",
    "target-addrs": "targetAddrs",
    "replace-addrs": "replaceAddrs",
    "plan-only": "planOnly",
    "auto-apply": "autoApply",
    "allow-empty-apply": "allowEmptyApply",
    "save-plan": "savePlan",
    "terraform-version": "terraformVersion",
    variables: "variables",
    "policy-paths": "policyPaths",
    "invoke-action-addrs": "invokeActionAddrs",
  },
  ignored: ["allow-config-generation", "debugging-mode"],
};

const csv = (v: string | null) =>
  v
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The filters and searches of `GET …/runs` (workspace and organization lists). */
export function runListInput(sp: URLSearchParams): ListRunsInput {
  const statuses = csv(sp.get("filter[status]"));
  const operations = csv(sp.get("filter[operation]"));
  const sources = csv(sp.get("filter[source]"));
  const vcsSearch = Boolean(sp.get("search[user]") || sp.get("search[commit]"));
  const search = sp.get("search[basic]");
  return {
    ...(statuses ? { statuses } : {}),
    ...(operations ? { operations: operations as NonNullable<ListRunsInput["operations"]> } : {}),
    ...(sources ? { sources } : {}),
    ...(vcsSearch ? { vcsSearch } : {}),
    // TFE: search[user] and search[commit] take priority over search[basic].
    ...(search && !vcsSearch ? { search } : {}),
  };
}

export function organizationRunListInput(sp: URLSearchParams): ListOrganizationRunsInput {
  for (const unsupported of ["filter[status_group]", "filter[timeframe]"]) {
    if (sp.get(unsupported)) {
      throw new InvalidError(`${unsupported} is not supported`, undefined, "invalid query parameter");
    }
  }
  const workspaceNames = csv(sp.get("filter[workspace_names]"));
  const agentPoolNames = csv(sp.get("filter[agent_pool_names]"));
  return {
    ...runListInput(sp),
    ...(workspaceNames ? { workspaceNames } : {}),
    ...(agentPoolNames ? { agentPoolNames } : {}),
  };
}

/** Where a run came from, as TFE reports it: the cloud block, the remote backend, or the API. */
export function sourceOf(request: Request): string {
  if (request.headers.get("x-terraform-integration") === "cloud") return "terraform+cloud";
  if (request.headers.get("terraform-version")) return "terraform";
  return "tfe-api";
}
