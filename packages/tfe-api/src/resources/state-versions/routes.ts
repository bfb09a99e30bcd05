import type { StateVersion, StateVersionOutput } from "@terrapod/core";
import { type Actor, BadRequestError, InvalidError, type OrganizationName } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps, transferOf } from "../../deps.ts";
import { type AttributeMap, mapAttributes, withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson, relationshipId } from "../../jsonapi/body.ts";
import { collectionResponse, type ResourceObject, resourceResponse } from "../../jsonapi/document.ts";
import { idInput, idParam } from "../../jsonapi/ids.ts";
import { parseInclude, parsePage } from "../../jsonapi/query.ts";
import { capabilityPathPrefix, originOf, urlBuilder } from "../../urls.ts";
import { backingDataActions } from "../shared/backing-data.ts";
import { serializeStateVersion, serializeStateVersionOutput } from "./serializer.ts";

const stateVersionAttributes: AttributeMap = {
  fields: {
    serial: "serial",
    md5: "md5",
    lineage: "lineage",
    force: "force",
    state: "state",
    "json-state": "jsonState",
    "json-state-outputs": "jsonStateOutputs",
  },
};

/** A page of a state version's outputs (`page[number]`, `page[size]`; go-tfe pages through them). */
function outputsPage(outputs: readonly StateVersionOutput[], request: Request): Response {
  const page = parsePage(new URL(request.url).searchParams);
  const start = (page.page - 1) * page.size;
  return collectionResponse(outputs.slice(start, start + page.size).map(serializeStateVersionOutput), {
    page: { ...page, total: outputs.length },
  });
}

async function render(deps: TfeDeps, actor: Actor, sv: StateVersion, request: Request, status = 200) {
  const urls = urlBuilder(deps.capabilities, originOf(request, deps.publicUrl));
  const included: ResourceObject[] = [];
  if (parseInclude(new URL(request.url).searchParams).has("outputs")) {
    for (const o of await deps.stateVersions.outputs(actor, sv.id)) {
      included.push(serializeStateVersionOutput(o));
    }
  }
  return resourceResponse(serializeStateVersion(sv, urls), { status, included });
}

/** State versions: backing-data actions, creation and rollback, reads, and capability transfers. */
export function stateVersionRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.state-versions" })
    .use(stateVersionBackingDataRoutes(deps))
    .use(stateVersionWriteRoutes(deps))
    .use(stateVersionReadRoutes(deps))
    .use(stateVersionTransferRoutes(deps));
}

/** `/state-versions/:id/actions/…`: the backing-data actions. */
function stateVersionBackingDataRoutes(deps: TfeDeps) {
  const routes = new Elysia({ name: "tfe.state-versions.backing-data" });
  for (const [path, action] of backingDataActions) {
    routes.post(
      `/state-versions/:id/actions/${path}`,
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        await deps.stateVersions.manageBackingData(actor, idParam("stateVersion", params.id), action);
        return new Response(null, { status: 204 });
      },
      { parse: "none" },
    );
  }
  return routes;
}

/** `POST` (create) and `PATCH` (roll back) `/workspaces/:id/state-versions`. */
function stateVersionWriteRoutes(deps: TfeDeps) {
  const svs = deps.stateVersions;
  return new Elysia({ name: "tfe.state-versions.write" })
    .post(
      "/workspaces/:id/state-versions",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const workspaceId = idParam("workspace", params.id);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["state-versions", ""]);
        const input = mapAttributes(data.attributes, stateVersionAttributes);
        // The run is recorded, not looked up (an unknown one is accepted), so a malformed one is bad input.
        const runId = relationshipId(data, "run");
        if (runId) input.runId = idInput("run", runId, { pointer: "/data/relationships/run" });
        const sv = await withWirePointers(stateVersionAttributes, () =>
          svs.create(actor, workspaceId, input as Parameters<typeof svs.create>[2]),
        );
        return render(deps, actor, sv, request, 201);
      },
      { parse: "none" },
    )
    .patch(
      "/workspaces/:id/state-versions",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const workspaceId = idParam("workspace", params.id);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["state-versions"]);
        const target = relationshipId(data, "rolling-back-state-version");
        if (!target) {
          throw new InvalidError(
            "relationships.rolling-back-state-version is required",
            "/data/relationships/rolling-back-state-version",
          );
        }
        const targetId = idParam("stateVersion", target);
        return render(deps, actor, await svs.rollback(actor, workspaceId, targetId), request);
      },
      { parse: "none" },
    );
}

/** `GET /state-versions` needs a workspace, by id or by organization and name. */
function listRef(sp: URLSearchParams): Parameters<TfeDeps["stateVersions"]["list"]>[1] {
  const org = sp.get("filter[organization][name]");
  const ws = sp.get("filter[workspace][name]");
  const wsId = sp.get("filter[workspace][id]");
  if (wsId) return { workspaceId: idParam("workspace", wsId) };
  if (org && ws) return { organization: org as OrganizationName, workspace: ws };
  throw new InvalidError(
    "filter[organization][name] and filter[workspace][name] are required",
    undefined,
    "invalid query parameter",
  );
}

/** Current state and outputs of a workspace, lists, state versions, their outputs and downloads. */
function stateVersionReadRoutes(deps: TfeDeps) {
  const svs = deps.stateVersions;
  const transfer = transferOf(deps);
  return new Elysia({ name: "tfe.state-versions.read" })
    .get("/workspaces/:id/current-state-version", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return render(deps, actor, await svs.current(actor, idParam("workspace", params.id)), request);
    })
    .get("/workspaces/:id/current-state-version-outputs", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const outputs = await svs.currentOutputs(actor, idParam("workspace", params.id));
      return outputsPage(outputs, request);
    })
    .get("/state-versions", async ({ request }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      const page = await svs.list(actor, listRef(sp), parsePage(sp));
      const urls = urlBuilder(deps.capabilities, originOf(request, deps.publicUrl));
      return collectionResponse(
        page.items.map((sv) => serializeStateVersion(sv, urls)),
        { page },
      );
    })
    .get("/state-versions/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return render(deps, actor, await svs.get(actor, idParam("stateVersion", params.id)), request);
    })
    .get("/state-versions/:id/outputs", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const outputs = await svs.outputs(actor, idParam("stateVersion", params.id));
      return outputsPage(outputs, request);
    })
    .get("/state-version-outputs/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializeStateVersionOutput(await svs.output(actor, idParam("stateVersionOutput", params.id))),
      );
    })
    .get("/state-versions/:id/download", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return new Response(transfer(await svs.download(actor, idParam("stateVersion", params.id), "raw")), {
        headers: { "content-type": "application/json" },
      });
    });
}

/** State uploads and downloads through capability URLs (`…/cap/…/:token`). */
function stateVersionTransferRoutes(deps: TfeDeps) {
  const svs = deps.stateVersions;
  const transfer = transferOf(deps);

  function body(request: Request): ReadableStream<Uint8Array> {
    if (!request.body) throw new BadRequestError("the request has no body");
    return transfer(request.body);
  }

  return new Elysia({ name: "tfe.state-versions.transfer" }).group(
    capabilityPathPrefix.replace("/api/v2", ""),
    (cap) =>
      cap
        .put(
          "/state-upload/:token",
          async ({ request, params }) => {
            const actor = deps.capabilities.verify(params.token, "state-upload");
            await svs.upload(actor, actor.resourceId, body(request));
            return new Response(null, { status: 200 });
          },
          { parse: "none" },
        )
        .put(
          "/json-state-upload/:token",
          async ({ request, params }) => {
            const actor = deps.capabilities.verify(params.token, "json-state-upload");
            await svs.uploadJson(actor, actor.resourceId, body(request));
            return new Response(null, { status: 200 });
          },
          { parse: "none" },
        )
        .get("/state-download/:token", async ({ params }) => {
          const actor = deps.capabilities.verify(params.token, "state-download");
          return new Response(transfer(await svs.download(actor, actor.resourceId, "raw")), {
            headers: { "content-type": "application/json" },
          });
        })
        .get("/json-state-download/:token", async ({ params }) => {
          const actor = deps.capabilities.verify(params.token, "json-state-download");
          return new Response(transfer(await svs.download(actor, actor.resourceId, "json")), {
            headers: { "content-type": "application/json" },
          });
        }),
  );
}
