import type { OrganizationName } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson, readOptionalJson } from "../../jsonapi/body.ts";
import { collectionResponse, noContent } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { parsePage } from "../../jsonapi/query.ts";
import { listInput, tagRefsFromDocument, workspaceAttributes, workspaceInput } from "./params.ts";
import { renderWorkspace, workspaceByName, workspaceDocuments } from "./render.ts";
import { serializeWorkspaceResource } from "./serializer.ts";

/** The lock reason arrives at `data.attributes.reason` (go-tfe) or at the top level. */
function lockReason(doc: unknown): string | undefined {
  if (typeof doc !== "object" || doc === null) return undefined;
  const d = doc as { reason?: unknown; data?: { attributes?: { reason?: unknown } } };
  const r = d.data?.attributes?.reason ?? d.reason;
  return typeof r === "string" ? r : undefined;
}

/** Workspaces: by name under an organization, by id, their lock, state resources and tags. */
export function workspaceRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.workspaces" })
    .use(workspaceByNameRoutes(deps))
    .use(workspaceByIdRoutes(deps))
    .use(workspaceLockRoutes(deps))
    .use(workspaceResourceRoutes(deps))
    .use(workspaceTagRoutes(deps));
}

/** `/organizations/:org/workspaces[/:name]`: list, create, read, update and delete by name. */
function workspaceByNameRoutes(deps: TfeDeps) {
  const ws = deps.workspaces;
  return new Elysia({ name: "tfe.workspaces.by-name" })
    .get("/organizations/:org/workspaces", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      const page = await ws.list(actor, params.org as OrganizationName, listInput(sp), parsePage(sp));
      const [data, included] = await workspaceDocuments(deps, actor, page.items, request);
      return collectionResponse(data, { page, included });
    })
    .post(
      "/organizations/:org/workspaces",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["workspaces"]);
        const input = workspaceInput(data, true);
        // A workspace the tofu CLI creates (cloud block, first init) runs its plans with tofu.
        if (input.engine === undefined && request.headers.get("user-agent")?.startsWith("OpenTofu/")) {
          input.engine = "tofu";
        }
        const created = await withWirePointers(workspaceAttributes, () =>
          ws.create(actor, params.org as OrganizationName, input as Parameters<typeof ws.create>[2]),
        );
        return renderWorkspace(deps, actor, created, request, 201);
      },
      { parse: "none" },
    )
    .get("/organizations/:org/workspaces/:name", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return renderWorkspace(
        deps,
        actor,
        await workspaceByName(deps, actor, params.org, params.name),
        request,
      );
    })
    .patch(
      "/organizations/:org/workspaces/:name",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["workspaces"]);
        const current = await workspaceByName(deps, actor, params.org, params.name);
        const updated = await withWirePointers(workspaceAttributes, () =>
          ws.update(actor, current.id, workspaceInput(data, false)),
        );
        return renderWorkspace(deps, actor, updated, request);
      },
      { parse: "none" },
    )
    .delete("/organizations/:org/workspaces/:name", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const current = await workspaceByName(deps, actor, params.org, params.name);
      await ws.delete(actor, current.id, { safe: false });
      return noContent();
    })
    .post("/organizations/:org/workspaces/:name/actions/safe-delete", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const current = await workspaceByName(deps, actor, params.org, params.name);
      await ws.delete(actor, current.id, { safe: true });
      return noContent();
    });
}

/** `/workspaces/:id`: read, update and delete by id. */
function workspaceByIdRoutes(deps: TfeDeps) {
  const ws = deps.workspaces;
  return new Elysia({ name: "tfe.workspaces.by-id" })
    .get("/workspaces/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      return renderWorkspace(deps, actor, await ws.get(actor, id), request);
    })
    .patch(
      "/workspaces/:id",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["workspaces"]);
        const updated = await withWirePointers(workspaceAttributes, () =>
          ws.update(actor, id, workspaceInput(data, false)),
        );
        return renderWorkspace(deps, actor, updated, request);
      },
      { parse: "none" },
    )
    .delete("/workspaces/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      await ws.delete(actor, id, { safe: false });
      return noContent();
    })
    .post("/workspaces/:id/actions/safe-delete", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      await ws.delete(actor, id, { safe: true });
      return noContent();
    });
}

/** `/workspaces/:id/actions/{lock,unlock,force-unlock}`. */
function workspaceLockRoutes(deps: TfeDeps) {
  const ws = deps.workspaces;
  return new Elysia({ name: "tfe.workspaces.lock" })
    .post(
      "/workspaces/:id/actions/lock",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        const reason = lockReason(await readOptionalJson(request, deps.limits.jsonBodyBytes));
        return renderWorkspace(deps, actor, await ws.lock(actor, id, { reason }), request);
      },
      { parse: "none" },
    )
    .post(
      "/workspaces/:id/actions/unlock",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        return renderWorkspace(deps, actor, await ws.unlock(actor, id), request);
      },
      { parse: "none" },
    )
    .post(
      "/workspaces/:id/actions/force-unlock",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        return renderWorkspace(deps, actor, await ws.forceUnlock(actor, id), request);
      },
      { parse: "none" },
    );
}

/** `/workspaces/:id/resources`: the resource instances of the current state. */
function workspaceResourceRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.workspaces.resources" }).get(
    "/workspaces/:id/resources",
    async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      const page = await deps.stateVersions.resources(
        actor,
        id,
        parsePage(new URL(request.url).searchParams),
      );
      return collectionResponse(page.items.map(serializeWorkspaceResource), { page });
    },
  );
}

/** `/workspaces/:id/relationships/tags`: list, add and remove tags. */
function workspaceTagRoutes(deps: TfeDeps) {
  const ws = deps.workspaces;
  return new Elysia({ name: "tfe.workspaces.tags" })
    .get("/workspaces/:id/relationships/tags", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      const w = await ws.get(actor, id);
      const sp = new URL(request.url).searchParams;
      const page = await deps.tags.list(actor, w.organization, { workspaceId: w.id }, parsePage(sp));
      return collectionResponse(
        page.items.map((t) => ({
          id: t.id,
          type: "tags",
          attributes: { name: t.name, "instance-count": t.instanceCount },
        })),
        { page },
      );
    })
    .post(
      "/workspaces/:id/relationships/tags",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        await ws.addTags(
          actor,
          id,
          tagRefsFromDocument(await readJson(request, deps.limits.jsonBodyBytes), "add"),
        );
        return noContent();
      },
      { parse: "none" },
    )
    .delete(
      "/workspaces/:id/relationships/tags",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        await ws.removeTags(
          actor,
          id,
          tagRefsFromDocument(await readJson(request, deps.limits.jsonBodyBytes), "remove"),
        );
        return noContent();
      },
      { parse: "none" },
    );
}
