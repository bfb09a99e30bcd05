import type { ListOrganizationRunsInput, ListRunsInput, Run } from "@terrapod/core";
import {
  type Actor,
  BadRequestError,
  InternalError,
  InvalidError,
  type OrganizationName,
  type Page,
  type RunId,
} from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { type AttributeMap, mapAttributes, withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson, readOptionalJson, relationshipId } from "../../jsonapi/body.ts";
import { collectionResponse, type ResourceObject, resourceResponse } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { parseInclude, parsePage } from "../../jsonapi/query.ts";
import { originOf, type UrlBuilder, urlBuilder } from "../../urls.ts";
import { serializeConfigurationVersion } from "../configuration-versions/serializer.ts";
import { serializeUser } from "../users/serializer.ts";
import { serializeWorkspace } from "../workspaces/serializer.ts";
import { frameLog } from "./log-framing.ts";
import {
  serializeApply,
  serializeCapacity,
  serializePlan,
  serializeRun,
  serializeRunEvent,
} from "./serializer.ts";

const runAttributes: AttributeMap = {
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
function runListInput(sp: URLSearchParams): ListRunsInput {
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

function organizationRunListInput(sp: URLSearchParams): ListOrganizationRunsInput {
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
function sourceOf(request: Request): string {
  if (request.headers.get("x-terraform-integration") === "cloud") return "terraform+cloud";
  if (request.headers.get("terraform-version")) return "terraform";
  return "tfe-api";
}

const maxLogRead = 1024 * 1024;

export function runRoutes(deps: TfeDeps) {
  const runs = deps.runs;
  const urlsFor = (request: Request) => urlBuilder(deps.capabilities, originOf(request, deps.publicUrl));

  /** `include=` for one run or a page of runs. */
  async function included(actor: Actor, list: readonly Run[], include: Set<string>, urls: UrlBuilder) {
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
  async function serializeRuns(actor: Actor, list: readonly (Run & { positionInQueue?: number })[]) {
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

  async function render(actor: Actor, run: Run, request: Request, status = 200) {
    const urls = urlsFor(request);
    const include = parseInclude(new URL(request.url).searchParams);
    const [doc] = await serializeRuns(actor, [run]);
    if (!doc) throw new InternalError("a run could not be rendered");
    return resourceResponse(doc, { status, included: await included(actor, [run], include, urls) });
  }

  async function renderList(actor: Actor, page: Page<Run>, request: Request) {
    const include = parseInclude(new URL(request.url).searchParams);
    return collectionResponse(await serializeRuns(actor, page.items), {
      page,
      included: await included(actor, page.items, include, urlsFor(request)),
    });
  }

  /** Run actions take an optional `{comment}` and answer 202 with no body, as TFE does. */
  async function action(
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

  return new Elysia({ name: "tfe.runs" })
    .post(
      "/runs",
      async ({ request }) => {
        const actor = await actorOf(deps, request);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["runs"]);
        const workspace = relationshipId(data, "workspace");
        if (!workspace) {
          throw new InvalidError("relationships.workspace is required", "/data/relationships/workspace");
        }
        const workspaceId = idParam("workspace", workspace);
        const input = mapAttributes(data.attributes, runAttributes);
        const cvRef = relationshipId(data, "configuration-version");
        const cv = cvRef ? idParam("configurationVersion", cvRef) : undefined;
        const run = await withWirePointers(runAttributes, () =>
          runs.create(actor, {
            ...(input as object),
            workspaceId,
            ...(cv ? { configurationVersionId: cv } : {}),
            source: sourceOf(request),
          } as Parameters<typeof runs.create>[1]),
        );
        return render(actor, run, request, 201);
      },
      { parse: "none" },
    )
    .get("/runs/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return render(actor, await runs.get(actor, idParam("run", params.id)), request);
    })
    .get("/workspaces/:id/runs", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      return renderList(
        actor,
        await runs.list(actor, idParam("workspace", params.id), runListInput(sp), parsePage(sp)),
        request,
      );
    })
    .get("/organizations/:org/runs", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      const page = await runs.listForOrganization(
        actor,
        params.org as OrganizationName,
        organizationRunListInput(sp),
        parsePage(sp),
      );
      return renderList(actor, page, request);
    })
    .get("/organizations/:org/runs/queue", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const page = await runs.queue(
        actor,
        params.org as OrganizationName,
        parsePage(new URL(request.url).searchParams),
      );
      return collectionResponse(await serializeRuns(actor, page.items), { page });
    })
    .get("/organizations/:org/capacity", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(serializeCapacity(await runs.capacity(actor, params.org as OrganizationName)));
    })
    .get("/runs/:id/run-events", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const events = await runs.events(actor, idParam("run", params.id));
      return collectionResponse(events.map(serializeRunEvent), {
        page: { page: 1, size: Math.max(events.length, 1), total: events.length },
      });
    })
    .get("/run-events/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(serializeRunEvent(await runs.event(actor, idParam("runEvent", params.id))));
    })
    .get("/runs/:id/task-stages", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await runs.get(actor, idParam("run", params.id));
      return collectionResponse([], { page: { page: 1, size: 20, total: 0 } });
    })
    .get("/runs/:id/policy-checks", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await runs.get(actor, idParam("run", params.id));
      return collectionResponse([], { page: { page: 1, size: 20, total: 0 } });
    })
    .post(
      "/runs/:id/actions/apply",
      ({ request, params }) => action(request, params.id, (a, id, c) => runs.confirm(a, id, c)),
      { parse: "none" },
    )
    .post(
      "/runs/:id/actions/discard",
      ({ request, params }) => action(request, params.id, (a, id) => runs.discard(a, id)),
      { parse: "none" },
    )
    .post(
      "/runs/:id/actions/cancel",
      ({ request, params }) => action(request, params.id, (a, id) => runs.cancel(a, id, { force: false })),
      { parse: "none" },
    )
    .post(
      "/runs/:id/actions/force-cancel",
      ({ request, params }) => action(request, params.id, (a, id) => runs.cancel(a, id, { force: true })),
      { parse: "none" },
    )
    .post(
      "/runs/:id/actions/force-execute",
      ({ request, params }) => action(request, params.id, (a, id) => runs.forceExecute(a, id)),
      { parse: "none" },
    )
    .get("/runs/:id/plan", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializePlan(await runs.get(actor, idParam("run", params.id)), urlsFor(request)),
      );
    })
    .get("/runs/:id/apply", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializeApply(await runs.get(actor, idParam("run", params.id)), urlsFor(request)),
      );
    })
    .get("/plans/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializePlan(await runs.byPhase(actor, idParam("plan", params.id)), urlsFor(request)),
      );
    })
    .get("/applies/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializeApply(await runs.byPhase(actor, idParam("apply", params.id)), urlsFor(request)),
      );
    })
    .get("/plans/:id/json-output", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return new Response(await runs.planJson(actor, idParam("plan", params.id), "plan-json"), {
        headers: { "content-type": "application/json" },
      });
    })
    .get("/plans/:id/json-provider-schemas", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return new Response(await runs.planJson(actor, idParam("plan", params.id), "provider-schemas"), {
        headers: { "content-type": "application/json" },
      });
    })
    .get("/cap/log-read/:token", async ({ request, params }) => {
      const actor = deps.capabilities.verify(params.token, "log-read");
      const sp = new URL(request.url).searchParams;
      const offset = Number(sp.get("offset") ?? "0");
      const limit = Math.min(Number(sp.get("limit") ?? "65536"), maxLogRead);
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1) {
        throw new BadRequestError("offset and limit must be non-negative integers");
      }
      const { bytes, ended } = await frameLog(
        (o, l) => runs.readLog(actor, actor.resourceId, o, l),
        offset,
        limit,
      );
      if (ended && actor.resourceId.startsWith("plan-")) await runs.planLogRead(actor.resourceId);
      return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": "text/plain" } });
    });
}
