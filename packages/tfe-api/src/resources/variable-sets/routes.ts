import type { CreateVariableInput, UpdateVariableInput, VariableSet } from "@terrapod/core";
import type { Actor, OrganizationName, Page } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson } from "../../jsonapi/body.ts";
import {
  collectionResponse,
  noContent,
  type ResourceObject,
  resourceResponse,
} from "../../jsonapi/document.ts";
import { idParam, idParams } from "../../jsonapi/ids.ts";
import { parseInclude, parsePage } from "../../jsonapi/query.ts";
import { variableAttributes, variableInput } from "../variables/params.ts";
import { serializeVariable } from "../variables/serializer.ts";
import { serializeWorkspace } from "../workspaces/serializer.ts";
import {
  createVariableSetInput,
  linkageIds,
  listQuery,
  updateVariableSetInput,
  variableSetAttributes,
} from "./params.ts";
import { serializeVariableSet } from "./serializer.ts";

/** `include=vars` and `include=workspaces` (what go-tfe asks for); other values are ignored. */
async function includesFor(deps: TfeDeps, actor: Actor, list: readonly VariableSet[], request: Request) {
  const include = parseInclude(new URL(request.url).searchParams);
  const out: ResourceObject[] = [];
  for (const s of list) {
    if (include.has("vars")) {
      for (const v of await deps.variableSets.variables.list(actor, s.id)) out.push(serializeVariable(v));
    }
    if (include.has("workspaces")) {
      for (const id of s.workspaceIds) {
        const ws = await deps.workspaces.get(actor, id);
        out.push(serializeWorkspace(ws, await deps.workspaces.permissions(actor, ws)));
      }
    }
  }
  return out;
}

async function render(deps: TfeDeps, actor: Actor, s: VariableSet, request: Request, status = 200) {
  return resourceResponse(serializeVariableSet(s), {
    status,
    included: await includesFor(deps, actor, [s], request),
  });
}

async function renderPage(deps: TfeDeps, actor: Actor, page: Page<VariableSet>, request: Request) {
  return collectionResponse(page.items.map(serializeVariableSet), {
    page,
    included: await includesFor(deps, actor, page.items, request),
  });
}

async function readVariable(deps: TfeDeps, request: Request) {
  return variableInput(jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["vars"]));
}

/** A relationships document of workspaces or projects; an id that names none is a 404. */
async function readTargets(deps: TfeDeps, request: Request, target: "workspaces" | "projects") {
  const ids = linkageIds(await readJson(request, deps.limits.jsonBodyBytes), target);
  return target === "workspaces" ? idParams("workspace", ids) : idParams("project", ids);
}

/** The set and the variable of `/varsets/:id/relationships/vars/:var_id`. */
const varRef = (params: { id: string; var_id: string }) =>
  [idParam("variableSet", params.id), idParam("variable", params.var_id)] as const;

/** Variable sets, their variables and where they apply. */
export function variableSetRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.variable-sets" })
    .use(variableSetCrudRoutes(deps))
    .use(variableSetVariableRoutes(deps))
    .use(variableSetLinkRoutes(deps));
}

/** Lists (of an organization, a workspace, a project), create, read, update and delete. */
function variableSetCrudRoutes(deps: TfeDeps) {
  const sets = deps.variableSets;
  return new Elysia({ name: "tfe.variable-sets.crud" })
    .get("/organizations/:org/varsets", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      const page = await sets.list(actor, params.org as OrganizationName, listQuery(sp), parsePage(sp));
      return renderPage(deps, actor, page, request);
    })
    .post(
      "/organizations/:org/varsets",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["varsets"]);
        const input = createVariableSetInput(data, params.org);
        const created = await withWirePointers(variableSetAttributes, () =>
          sets.create(actor, params.org as OrganizationName, input),
        );
        return render(deps, actor, created, request, 201);
      },
      { parse: "none" },
    )
    .get("/workspaces/:id/varsets", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      return renderPage(
        deps,
        actor,
        await sets.listForWorkspace(actor, idParam("workspace", params.id), listQuery(sp), parsePage(sp)),
        request,
      );
    })
    .get("/projects/:id/varsets", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      return renderPage(
        deps,
        actor,
        await sets.listForProject(actor, idParam("project", params.id), listQuery(sp), parsePage(sp)),
        request,
      );
    })
    .get("/varsets/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return render(deps, actor, await sets.get(actor, idParam("variableSet", params.id)), request);
    })
    .patch(
      "/varsets/:id",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const setId = idParam("variableSet", params.id);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["varsets"]);
        const input = updateVariableSetInput(data);
        const updated = await withWirePointers(variableSetAttributes, () => sets.update(actor, setId, input));
        return render(deps, actor, updated, request);
      },
      { parse: "none" },
    )
    .delete("/varsets/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await sets.delete(actor, idParam("variableSet", params.id));
      return noContent();
    });
}

/** `/varsets/:id/relationships/vars[/:var_id]`: the set's own variables. */
function variableSetVariableRoutes(deps: TfeDeps) {
  const sets = deps.variableSets;
  return new Elysia({ name: "tfe.variable-sets.vars" })
    .get("/varsets/:id/relationships/vars", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const list = await sets.variables.list(actor, idParam("variableSet", params.id));
      return collectionResponse(list.map(serializeVariable), {
        page: { page: 1, size: Math.max(list.length, 1), total: list.length },
      });
    })
    .post(
      "/varsets/:id/relationships/vars",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const setId = idParam("variableSet", params.id);
        const input = (await readVariable(deps, request)) as CreateVariableInput;
        const created = await withWirePointers(variableAttributes, () =>
          sets.variables.create(actor, setId, input),
        );
        return resourceResponse(serializeVariable(created), { status: 201 });
      },
      { parse: "none" },
    )
    .get("/varsets/:id/relationships/vars/:var_id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(serializeVariable(await sets.variables.get(actor, ...varRef(params))));
    })
    .patch(
      "/varsets/:id/relationships/vars/:var_id",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const [setId, variableId] = varRef(params);
        const input = (await readVariable(deps, request)) as UpdateVariableInput;
        const updated = await withWirePointers(variableAttributes, () =>
          sets.variables.update(actor, setId, variableId, input),
        );
        return resourceResponse(serializeVariable(updated));
      },
      { parse: "none" },
    )
    .delete("/varsets/:id/relationships/vars/:var_id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await sets.variables.delete(actor, ...varRef(params));
      return noContent();
    });
}

/** `/varsets/:id/relationships/{workspaces,projects}`: apply a set to, or remove it from, its targets. */
function variableSetLinkRoutes(deps: TfeDeps) {
  const sets = deps.variableSets;
  return new Elysia({ name: "tfe.variable-sets.links" })
    .post(
      "/varsets/:id/relationships/workspaces",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const setId = idParam("variableSet", params.id);
        const ids = await readTargets(deps, request, "workspaces");
        await sets.apply(actor, setId, "workspaces", ids);
        return noContent();
      },
      { parse: "none" },
    )
    .delete(
      "/varsets/:id/relationships/workspaces",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const setId = idParam("variableSet", params.id);
        const ids = await readTargets(deps, request, "workspaces");
        await sets.remove(actor, setId, "workspaces", ids);
        return noContent();
      },
      { parse: "none" },
    )
    .post(
      "/varsets/:id/relationships/projects",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const setId = idParam("variableSet", params.id);
        const ids = await readTargets(deps, request, "projects");
        await sets.apply(actor, setId, "projects", ids);
        return noContent();
      },
      { parse: "none" },
    )
    .delete(
      "/varsets/:id/relationships/projects",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const setId = idParam("variableSet", params.id);
        const ids = await readTargets(deps, request, "projects");
        await sets.remove(actor, setId, "projects", ids);
        return noContent();
      },
      { parse: "none" },
    );
}
