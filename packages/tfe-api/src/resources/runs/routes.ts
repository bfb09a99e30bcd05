import { InvalidError, type OrganizationName } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { mapAttributes, withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson, relationshipId } from "../../jsonapi/body.ts";
import { collectionResponse, resourceResponse } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { parsePage } from "../../jsonapi/query.ts";
import { organizationRunListInput, runAttributes, runListInput, sourceOf } from "./params.ts";
import { runLogRoutes, runPhaseRoutes } from "./phase-routes.ts";
import { renderRun, renderRunList, runAction, serializeRuns } from "./render.ts";
import { runEventRoutes as runEventListRoutes } from "./run-event-routes.ts";
import { serializeCapacity } from "./serializer.ts";

/** Runs: creation, reads and lists, events, actions, their plans and applies, and log reads. */
export function runRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.runs" })
    .use(runCreateRoutes(deps))
    .use(runReadRoutes(deps))
    .use(runEventRoutes(deps))
    .use(runEventListRoutes(deps))
    .use(runActionRoutes(deps))
    .use(runPhaseRoutes(deps))
    .use(runLogRoutes(deps));
}

/** `POST /runs`. */
function runCreateRoutes(deps: TfeDeps) {
  const runs = deps.runs;
  return new Elysia({ name: "tfe.runs.create" }).post(
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
      return renderRun(deps, actor, run, request, 201);
    },
    { parse: "none" },
  );
}

/** One run, a workspace's and an organization's runs, the queue and the capacity. */
function runReadRoutes(deps: TfeDeps) {
  const runs = deps.runs;
  return new Elysia({ name: "tfe.runs.read" })
    .get("/runs/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return renderRun(deps, actor, await runs.get(actor, idParam("run", params.id)), request);
    })
    .get("/workspaces/:id/runs", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      return renderRunList(
        deps,
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
      return renderRunList(deps, actor, page, request);
    })
    .get("/organizations/:org/runs/queue", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const page = await runs.queue(
        actor,
        params.org as OrganizationName,
        parsePage(new URL(request.url).searchParams),
      );
      return collectionResponse(await serializeRuns(deps, actor, page.items), { page });
    })
    .get("/organizations/:org/capacity", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(serializeCapacity(await runs.capacity(actor, params.org as OrganizationName)));
    });
}

/** A run's (always empty) task stages and policy checks; its events are in run-event-routes.ts. */
function runEventRoutes(deps: TfeDeps) {
  const runs = deps.runs;
  return new Elysia({ name: "tfe.runs.events" })
    .get("/runs/:id/task-stages", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await runs.get(actor, idParam("run", params.id));
      return collectionResponse([], { page: { page: 1, size: 20, total: 0 } });
    })
    .get("/runs/:id/policy-checks", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await runs.get(actor, idParam("run", params.id));
      return collectionResponse([], { page: { page: 1, size: 20, total: 0 } });
    });
}

/** `/runs/:id/actions/…`: apply, discard, cancel, force-cancel, force-execute. */
function runActionRoutes(deps: TfeDeps) {
  const runs = deps.runs;
  return new Elysia({ name: "tfe.runs.actions" })
    .post(
      "/runs/:id/actions/apply",
      ({ request, params }) => runAction(deps, request, params.id, (a, id, c) => runs.confirm(a, id, c)),
      { parse: "none" },
    )
    .post(
      "/runs/:id/actions/discard",
      ({ request, params }) => runAction(deps, request, params.id, (a, id, c) => runs.discard(a, id, c)),
      { parse: "none" },
    )
    .post(
      "/runs/:id/actions/cancel",
      ({ request, params }) =>
        runAction(deps, request, params.id, (a, id, c) => runs.cancel(a, id, { force: false, comment: c })),
      { parse: "none" },
    )
    .post(
      "/runs/:id/actions/force-cancel",
      ({ request, params }) =>
        runAction(deps, request, params.id, (a, id, c) => runs.cancel(a, id, { force: true, comment: c })),
      { parse: "none" },
    )
    .post(
      "/runs/:id/actions/force-execute",
      ({ request, params }) => runAction(deps, request, params.id, (a, id) => runs.forceExecute(a, id)),
      { parse: "none" },
    );
}
