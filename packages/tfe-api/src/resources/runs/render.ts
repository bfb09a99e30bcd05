import type { Run } from "@terrapod/core";
import { type Actor, InternalError, type Page, type RunId } from "@terrapod/kernel";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { readOptionalJson } from "../../jsonapi/body.ts";
import { collectionResponse, type ResourceObject, resourceResponse } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { parseInclude } from "../../jsonapi/query.ts";
import { originOf, type UrlBuilder, urlBuilder } from "../../urls.ts";
import { serializeConfigurationVersion } from "../configuration-versions/serializer.ts";
import { serializeUser } from "../users/serializer.ts";
import { serializeWorkspace } from "../workspaces/serializer.ts";
import { serializeApply, serializePlan, serializeRun } from "./serializer.ts";

/** The URL builder for a request (absolute links and capability URLs). */
export function runUrls(deps: TfeDeps, request: Request): UrlBuilder {
  return urlBuilder(deps.capabilities, originOf(request, deps.publicUrl));
}

/** `include=` for one run or a page of runs. */
async function included(
  deps: TfeDeps,
  actor: Actor,
  list: readonly Run[],
  include: Set<string>,
  urls: UrlBuilder,
) {
  const out: ResourceObject[] = [];
  for (const run of list) {
    if (include.has("plan")) out.push(serializePlan(run, urls));
    if (include.has("apply")) out.push(serializeApply(run, urls));
  }
  if (include.has("workspace")) {
    for (const id of new Set(list.map((r) => r.workspaceId))) {
      const ws = await deps.workspaces.get(actor, id);
      out.push(serializeWorkspace(ws, await deps.workspaces.permissions(actor, ws)));
    }
  }
  if (include.has("configuration_version") || include.has("configuration-version")) {
    for (const id of new Set(list.map((r) => r.configurationVersionId))) {
      out.push(serializeConfigurationVersion(await deps.configurationVersions.get(actor, id), urls));
    }
  }
  if (include.has("created_by") || include.has("created-by")) {
    const ids = list.flatMap((r) => (r.createdByUserId ? [r.createdByUserId] : []));
    for (const user of (await deps.users.profiles(actor, ids)).values()) out.push(serializeUser(user));
  }
  return out;
}

/** Run documents for runs the caller read, with their permissions and `run-events` relationship. */
export async function serializeRuns(
  deps: TfeDeps,
  actor: Actor,
  list: readonly (Run & { positionInQueue?: number })[],
) {
  const runs = deps.runs;
  const eventIds = await runs.eventIds(actor, list);
  return Promise.all(
    list.map(async (r) =>
      serializeRun(r, await runs.permissions(actor, r), {
        eventIds: eventIds.get(r.id),
        ...(r.positionInQueue !== undefined ? { positionInQueue: r.positionInQueue } : {}),
      }),
    ),
  );
}

export async function renderRun(deps: TfeDeps, actor: Actor, run: Run, request: Request, status = 200) {
  const urls = runUrls(deps, request);
  const include = parseInclude(new URL(request.url).searchParams);
  const [doc] = await serializeRuns(deps, actor, [run]);
  if (!doc) throw new InternalError("a run could not be rendered");
  return resourceResponse(doc, { status, included: await included(deps, actor, [run], include, urls) });
}

export async function renderRunList(deps: TfeDeps, actor: Actor, page: Page<Run>, request: Request) {
  const include = parseInclude(new URL(request.url).searchParams);
  return collectionResponse(await serializeRuns(deps, actor, page.items), {
    page,
    included: await included(deps, actor, page.items, include, runUrls(deps, request)),
  });
}

/** Run actions take an optional `{comment}` and answer 202 with no body, as TFE does. */
export async function runAction(
  deps: TfeDeps,
  request: Request,
  rawId: string,
  fn: (actor: Actor, id: RunId, comment?: string) => Promise<unknown>,
) {
  const actor = await actorOf(deps, request);
  const id = idParam("run", rawId);
  const body = (await readOptionalJson(request, deps.limits.jsonBodyBytes)) as
    | { comment?: unknown }
    | undefined;
  await fn(actor, id, typeof body?.comment === "string" ? body.comment : undefined);
  return new Response(null, { status: 202 });
}
