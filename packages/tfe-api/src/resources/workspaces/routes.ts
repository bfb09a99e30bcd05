import type { StateVersionOutput, Workspace } from "@terrapod/core";
import { type Actor, InternalError, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson, readOptionalJson } from "../../jsonapi/body.ts";
import {
  collectionResponse,
  noContent,
  type ResourceObject,
  resourceResponse,
} from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { parseInclude, parsePage } from "../../jsonapi/query.ts";
import { originOf, urlBuilder } from "../../urls.ts";
import { serializeOrganization } from "../organizations/serializer.ts";
import { serializeProject } from "../projects/serializer.ts";
import { serializeRun } from "../runs/serializer.ts";
import { serializeStateVersion } from "../state-versions/serializer.ts";
import { listInput, tagRefsFromDocument, workspaceAttributes, workspaceInput } from "./params.ts";
import { serializeWorkspace, serializeWorkspaceOutput, serializeWorkspaceResource } from "./serializer.ts";

/** The lock reason arrives at `data.attributes.reason` (go-tfe) or at the top level. */
function lockReason(doc: unknown): string | undefined {
  if (typeof doc !== "object" || doc === null) return undefined;
  const d = doc as { reason?: unknown; data?: { attributes?: { reason?: unknown } } };
  const r = d.data?.attributes?.reason ?? d.reason;
  return typeof r === "string" ? r : undefined;
}

export function workspaceRoutes(deps: TfeDeps) {
  const ws = deps.workspaces;

  async function render(actor: Actor, w: Workspace, request: Request, status = 200): Promise<Response> {
    const [doc, included] = await documents(actor, [w], request);
    if (!doc?.[0]) throw new InternalError("a workspace could not be rendered");
    return resourceResponse(doc[0], { status, included });
  }

  /** Workspace documents with what other domains know of each, and the `include=` resources. */
  async function documents(
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
      for (const w of list) outputs.set(w.id, await currentOutputs(actor, w));
    }
    const data = await Promise.all(
      list.map(async (w) =>
        serializeWorkspace(w, await ws.permissions(actor, w), {
          variableIds: varIds.get(w.id),
          currentConfigurationVersionId: cvIds.get(w.id) ?? null,
          runsCount: runCounts.get(w.id),
          outputIds: outputs.get(w.id)?.map((o) => o.id),
        }),
      ),
    );
    const included = await includesFor(actor, list, include, request);
    for (const list of outputs.values()) included.push(...list.map(serializeWorkspaceOutput));
    return [data, included];
  }

  /** The outputs of a workspace's current state; none without a state. */
  async function currentOutputs(actor: Actor, w: Workspace): Promise<StateVersionOutput[]> {
    if (!w.currentStateVersionId) return [];
    try {
      return await deps.stateVersions.currentOutputs(actor, w.id);
    } catch (err) {
      if (err instanceof NotFoundError) return [];
      throw err;
    }
  }

  async function includesFor(
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

  async function byName(actor: Actor, org: string, name: string) {
    return ws.getByName(actor, org as OrganizationName, name);
  }

  return new Elysia({ name: "tfe.workspaces" })
    .get("/organizations/:org/workspaces", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      const page = await ws.list(actor, params.org as OrganizationName, listInput(sp), parsePage(sp));
      const [data, included] = await documents(actor, page.items, request);
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
        return render(actor, created, request, 201);
      },
      { parse: "none" },
    )
    .get("/organizations/:org/workspaces/:name", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return render(actor, await byName(actor, params.org, params.name), request);
    })
    .patch(
      "/organizations/:org/workspaces/:name",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["workspaces"]);
        const current = await byName(actor, params.org, params.name);
        const updated = await withWirePointers(workspaceAttributes, () =>
          ws.update(actor, current.id, workspaceInput(data, false)),
        );
        return render(actor, updated, request);
      },
      { parse: "none" },
    )
    .delete("/organizations/:org/workspaces/:name", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const current = await byName(actor, params.org, params.name);
      await ws.delete(actor, current.id, { safe: false });
      return noContent();
    })
    .post("/organizations/:org/workspaces/:name/actions/safe-delete", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const current = await byName(actor, params.org, params.name);
      await ws.delete(actor, current.id, { safe: true });
      return noContent();
    })
    .get("/workspaces/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      return render(actor, await ws.get(actor, id), request);
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
        return render(actor, updated, request);
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
    })
    .post(
      "/workspaces/:id/actions/lock",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        const reason = lockReason(await readOptionalJson(request, deps.limits.jsonBodyBytes));
        return render(actor, await ws.lock(actor, id, { reason }), request);
      },
      { parse: "none" },
    )
    .post(
      "/workspaces/:id/actions/unlock",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        return render(actor, await ws.unlock(actor, id), request);
      },
      { parse: "none" },
    )
    .post(
      "/workspaces/:id/actions/force-unlock",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("workspace", params.id);
        return render(actor, await ws.forceUnlock(actor, id), request);
      },
      { parse: "none" },
    )
    .get("/workspaces/:id/resources", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const id = idParam("workspace", params.id);
      const page = await deps.stateVersions.resources(
        actor,
        id,
        parsePage(new URL(request.url).searchParams),
      );
      return collectionResponse(page.items.map(serializeWorkspaceResource), { page });
    })
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
