import type { ConsumerChange } from "@terrapod/core";
import { InvalidError } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { readJson } from "../../jsonapi/body.ts";
import { collectionResponse, noContent } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { parsePage } from "../../jsonapi/query.ts";
import { workspaceDocuments } from "./render.ts";

/**
 * A relationships document (`{data: [{type: "workspaces", id}, …]}`) as workspace ids. go-tfe sends whole
 * workspace objects; only their type and id matter.
 */
export function consumerIdsFromDocument(doc: unknown): string[] {
  const data = typeof doc === "object" && doc !== null ? (doc as { data?: unknown }).data : undefined;
  if (!Array.isArray(data)) {
    throw new InvalidError(
      "the document must have a `data` array of workspaces",
      "/data",
      "invalid document",
    );
  }
  return data.map((item, i) => {
    const ref = typeof item === "object" && item !== null ? (item as { type?: unknown; id?: unknown }) : {};
    if (ref.type !== "workspaces" || typeof ref.id !== "string" || ref.id === "") {
      throw new InvalidError(
        'each element must be a workspace reference {"type": "workspaces", "id": …}',
        `/data/${i}`,
        "invalid document",
      );
    }
    return ref.id;
  });
}

/**
 * `workspaces/:id/relationships/remote-state-consumers` (go-tfe `ListRemoteStateConsumers`,
 * `AddRemoteStateConsumers`, `RemoveRemoteStateConsumers`, `UpdateRemoteStateConsumers`).
 */
export function remoteStateConsumerRoutes(deps: TfeDeps) {
  const path = "/workspaces/:id/relationships/remote-state-consumers";
  const change =
    (how: ConsumerChange) =>
    async ({ request, params }: { request: Request; params: { id: string } }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      const ids = consumerIdsFromDocument(await readJson(request, deps.limits.jsonBodyBytes));
      await deps.workspaces.changeRemoteStateConsumers(actor, id, how, ids);
      return noContent();
    };
  return new Elysia({ name: "tfe.workspaces.remote-state-consumers" })
    .get(path, async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      const page = await deps.workspaces.remoteStateConsumers(
        actor,
        id,
        parsePage(new URL(request.url).searchParams),
      );
      const [data, included] = await workspaceDocuments(deps, actor, page.items, request);
      return collectionResponse(data, { page, included });
    })
    .post(path, change("add"), { parse: "none" })
    .delete(path, change("remove"), { parse: "none" })
    .patch(path, change("replace"), { parse: "none" });
}
