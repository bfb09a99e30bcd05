import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { type AttributeMap, mapAttributes, withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson } from "../../jsonapi/body.ts";
import { collectionResponse, resourceResponse } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { serializeComment } from "./serializer.ts";

const commentAttributes: AttributeMap = { fields: { body: "body" } };

/** Run comments (go-tfe `Comments`): list and add a run's comments, read one. */
export function commentRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.comments" })
    .get("/runs/:id/comments", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const comments = await deps.runs.comments(actor, idParam("run", params.id));
      return collectionResponse(comments.map(serializeComment), {
        page: { page: 1, size: Math.max(comments.length, 1), total: comments.length },
      });
    })
    .post(
      "/runs/:id/comments",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("run", params.id);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["comments"]);
        const input = mapAttributes(data.attributes, commentAttributes);
        const comment = await withWirePointers(commentAttributes, () =>
          deps.runs.comment(actor, id, input as { body: string }),
        );
        return resourceResponse(serializeComment(comment), { status: 201 });
      },
      { parse: "none" },
    )
    .get("/comments/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializeComment(await deps.runs.getComment(actor, idParam("comment", params.id))),
      );
    });
}
