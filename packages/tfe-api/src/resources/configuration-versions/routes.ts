import { BadRequestError } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps, transferOf } from "../../deps.ts";
import { type AttributeMap, mapAttributes } from "../../jsonapi/attributes.ts";
import { jsonApiData, readOptionalJson } from "../../jsonapi/body.ts";
import { collectionResponse, resourceResponse } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { parsePage } from "../../jsonapi/query.ts";
import { originOf, urlBuilder } from "../../urls.ts";
import { backingDataActions } from "../shared/backing-data.ts";
import { serializeConfigurationVersion } from "./serializer.ts";

const cvAttributes: AttributeMap = {
  fields: { "auto-queue-runs": "autoQueueRuns", speculative: "speculative", provisional: "provisional" },
  ignored: ["source"],
};

export function configurationVersionRoutes(deps: TfeDeps) {
  const cvs = deps.configurationVersions;
  const transfer = transferOf(deps);
  const urlsFor = (request: Request) => urlBuilder(deps.capabilities, originOf(request, deps.publicUrl));
  const routes = new Elysia({ name: "tfe.configuration-versions" });
  for (const [path, action] of backingDataActions) {
    routes.post(
      `/configuration-versions/:id/actions/${path}`,
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        await cvs.manageBackingData(actor, idParam("configurationVersion", params.id), action);
        return new Response(null, { status: 204 });
      },
      { parse: "none" },
    );
  }
  return routes
    .post(
      "/configuration-versions/:id/actions/archive",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        await cvs.archive(actor, idParam("configurationVersion", params.id));
        return new Response(null, { status: 202 });
      },
      { parse: "none" },
    )
    .post(
      "/workspaces/:id/configuration-versions",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const workspaceId = idParam("workspace", params.id);
        const doc = await readOptionalJson(request, deps.limits.jsonBodyBytes);
        const input =
          doc === undefined
            ? {}
            : mapAttributes(jsonApiData(doc, ["configuration-versions", ""]).attributes, cvAttributes);
        const cv = await cvs.create(actor, workspaceId, input);
        const created = serializeConfigurationVersion(cv, urlsFor(request), { withUploadUrl: true });
        return resourceResponse(created, { status: 201 });
      },
      { parse: "none" },
    )
    .get("/workspaces/:id/configuration-versions", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const workspaceId = idParam("workspace", params.id);
      const page = await cvs.list(actor, workspaceId, parsePage(new URL(request.url).searchParams));
      const urls = urlsFor(request);
      return collectionResponse(
        page.items.map((cv) => serializeConfigurationVersion(cv, urls)),
        { page },
      );
    })
    .get("/configuration-versions/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const cv = await cvs.get(actor, idParam("configurationVersion", params.id));
      return resourceResponse(serializeConfigurationVersion(cv, urlsFor(request)));
    })
    .get("/configuration-versions/:id/download", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return new Response(transfer(await cvs.download(actor, idParam("configurationVersion", params.id))), {
        headers: { "content-type": "application/gzip" },
      });
    })
    .put(
      "/cap/configuration-upload/:token",
      async ({ request, params }) => {
        const actor = deps.capabilities.verify(params.token, "configuration-upload");
        if (!request.body) throw new BadRequestError("the request has no body");
        await cvs.upload(actor, actor.resourceId, transfer(request.body));
        return new Response(null, { status: 200 });
      },
      { parse: "none" },
    );
}
