import type { StateVersionOutput, Workspace } from "@terrapod/core";
import { type Actor, InternalError, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import type { TfeDeps } from "../../deps.ts";
import { type ResourceObject, resourceResponse } from "../../jsonapi/document.ts";
import { parseInclude } from "../../jsonapi/query.ts";
import { originOf, urlBuilder } from "../../urls.ts";
import { serializeOrganization } from "../organizations/serializer.ts";
import { serializeProject } from "../projects/serializer.ts";
import { serializeRun } from "../runs/serializer.ts";
import { serializeStateVersion } from "../state-versions/serializer.ts";
import { serializeWorkspace, serializeWorkspaceOutput } from "./serializer.ts";

/** One workspace document, with what other domains know of it and the `include=` resources. */
export async function renderWorkspace(
  deps: TfeDeps,
  actor: Actor,
  w: Workspace,
  request: Request,
  status = 200,
): Promise<Response> {
  const [doc, included] = await workspaceDocuments(deps, actor, [w], request);
  if (!doc?.[0]) throw new InternalError("a workspace could not be rendered");
  return resourceResponse(doc[0], { status, included });
}

/** Workspace documents with what other domains know of each, and the `include=` resources. */
export async function workspaceDocuments(
  deps: TfeDeps,
  actor: Actor,
  list: readonly Workspace[],
  request: Request,
): Promise<[ResourceObject[], ResourceObject[]]> {
  const include = parseInclude(new URL(request.url).searchParams);
  const [varIds, cvIds, runCounts] = await Promise.all([
    deps.variables.idsByWorkspace(actor, list),
    deps.configurationVersions.currentIds(actor, list),
    deps.runs.countByWorkspace(actor, list),
  ]);
  const outputs = new Map<string, StateVersionOutput[]>();
  if (include.has("outputs")) {
    for (const w of list) outputs.set(w.id, await currentOutputs(deps, actor, w));
  }
  const data = await Promise.all(
    list.map(async (w) =>
      serializeWorkspace(w, await deps.workspaces.permissions(actor, w), {
        variableIds: varIds.get(w.id),
        currentConfigurationVersionId: cvIds.get(w.id) ?? null,
        runsCount: runCounts.get(w.id),
        outputIds: outputs.get(w.id)?.map((o) => o.id),
      }),
    ),
  );
  const included = await includesFor(deps, actor, list, include, request);
  for (const list of outputs.values()) included.push(...list.map(serializeWorkspaceOutput));
  return [data, included];
}

/** The outputs of a workspace's current state; none without a state. */
async function currentOutputs(deps: TfeDeps, actor: Actor, w: Workspace): Promise<StateVersionOutput[]> {
  if (!w.currentStateVersionId) return [];
  try {
    return await deps.stateVersions.currentOutputs(actor, w.id);
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
}

async function includesFor(
  deps: TfeDeps,
  actor: Actor,
  list: readonly Workspace[],
  include: Set<string>,
  request: Request,
) {
  const out: ResourceObject[] = [];
  if (include.has("current_run") || include.has("current-run")) {
    for (const w of list) {
      if (!w.currentRunId) continue;
      const run = await deps.runs.get(actor, w.currentRunId);
      out.push(serializeRun(run, await deps.runs.permissions(actor, run)));
    }
  }
  if (include.has("organization") && list[0]) {
    const org = await deps.organizations.get(actor, list[0].organization);
    out.push(serializeOrganization(org, await deps.organizations.permissions(actor, org.name)));
  }
  if (include.has("current_state_version") || include.has("current-state-version")) {
    const urls = urlBuilder(deps.capabilities, originOf(request, deps.publicUrl));
    for (const w of list) {
      if (!w.currentStateVersionId) continue;
      out.push(serializeStateVersion(await deps.stateVersions.get(actor, w.currentStateVersionId), urls));
    }
  }
  if (include.has("project")) {
    for (const projectId of new Set(list.map((w) => w.projectId))) {
      const project = await deps.projects.get(actor, projectId);
      out.push(serializeProject(project, await deps.projects.permissions(actor, project)));
    }
  }
  return out;
}

/** The workspace `:name` of organization `:org` (the by-name routes). */
export async function workspaceByName(deps: TfeDeps, actor: Actor, org: string, name: string) {
  return deps.workspaces.getByName(actor, org as OrganizationName, name);
}
