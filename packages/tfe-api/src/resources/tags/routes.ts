import { InvalidError, type OrganizationName } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { readJson } from "../../jsonapi/body.ts";
import { collectionResponse, noContent } from "../../jsonapi/document.ts";
import { idParam, idParams, knownIds } from "../../jsonapi/ids.ts";
import { parsePage } from "../../jsonapi/query.ts";

/** `{data: [{type, id}, …]}` → ids of the given type. */
function linkageIds(doc: unknown, type: string): string[] {
  const data = (doc as { data?: unknown } | null)?.data;
  if (!Array.isArray(data))
    throw new InvalidError("the document must have a `data` array", "/data", "invalid document");
  return data.map((d, i) => {
    const item = d as { type?: unknown; id?: unknown };
    if (item?.type !== type || typeof item.id !== "string") {
      throw new InvalidError(
        `data[${i}] must be {"type":"${type}","id":…}`,
        `/data/${i}`,
        "invalid document",
      );
    }
    return item.id;
  });
}

export function tagRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.tags" })
    .get("/organizations/:org/tags", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      const exclude = sp.get("filter[exclude][taggable][id]");
      const page = await deps.tags.list(
        actor,
        params.org as OrganizationName,
        {
          query: sp.get("q") ?? undefined,
          // go-tfe sends any id here (its own test sends a tag id): one that is not a workspace's excludes nothing.
          excludeTaggableId: exclude ? knownIds("workspace", [exclude])[0] : undefined,
        },
        parsePage(sp),
      );
      return collectionResponse(
        page.items.map((t) => ({
          id: t.id,
          type: "tags",
          attributes: { name: t.name, "instance-count": t.instanceCount },
          relationships: { organization: { data: { type: "organizations", id: t.organization } } },
        })),
        { page },
      );
    })
    .delete(
      "/organizations/:org/tags",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const ids = linkageIds(await readJson(request, deps.limits.jsonBodyBytes), "tags");
        // Ids that name no tag are skipped, as unknown ones are.
        await deps.tags.delete(actor, params.org as OrganizationName, knownIds("tag", ids));
        return noContent();
      },
      { parse: "none" },
    )
    .post(
      "/tags/:id/relationships/workspaces",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const tagId = idParam("tag", params.id);
        const ids = linkageIds(await readJson(request, deps.limits.jsonBodyBytes), "workspaces");
        await deps.tags.addWorkspaces(actor, tagId, idParams("workspace", ids));
        return noContent();
      },
      { parse: "none" },
    );
}
