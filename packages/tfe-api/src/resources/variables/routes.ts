import type { CreateVariableInput, UpdateVariableInput, Variable } from "@terrapod/core";
import { InvalidError, type OrganizationName } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson, relationshipId } from "../../jsonapi/body.ts";
import { collectionResponse, noContent, resourceResponse } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { legacyListFilter, variableAttributes, variableInput } from "./params.ts";
import { serializeVariable } from "./serializer.ts";

/** TFE does not paginate variable lists: one page holding everything. */
function variableList(vars: readonly Variable[]): Response {
  return collectionResponse(vars.map(serializeVariable), {
    page: { page: 1, size: Math.max(vars.length, 1), total: vars.length },
  });
}

async function readData(deps: TfeDeps, request: Request) {
  return jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["vars"]);
}

/** Workspace variables: `/workspaces/:id/vars…`, `/workspaces/:id/all-vars` and the legacy `/vars`. */
export function variableRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.variables" })
    .use(workspaceVariableRoutes(deps))
    .use(legacyVariableRoutes(deps));
}

/** `/workspaces/:id/vars[/:var_id]` and `/workspaces/:id/all-vars`. */
function workspaceVariableRoutes(deps: TfeDeps) {
  const vars = deps.variables;
  return new Elysia({ name: "tfe.variables.workspace" })
    .get("/workspaces/:id/vars", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return variableList(await vars.list(actor, { workspaceId: idParam("workspace", params.id) }));
    })
    .post(
      "/workspaces/:id/vars",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const workspaceId = idParam("workspace", params.id);
        const input = variableInput(await readData(deps, request)) as CreateVariableInput;
        const created = await withWirePointers(variableAttributes, () =>
          vars.create(actor, workspaceId, input),
        );
        return resourceResponse(serializeVariable(created), { status: 201 });
      },
      { parse: "none" },
    )
    .get("/workspaces/:id/vars/:var_id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const ref = {
        workspaceId: idParam("workspace", params.id),
        variableId: idParam("variable", params.var_id),
      };
      const v = await vars.get(actor, ref);
      return resourceResponse(serializeVariable(v));
    })
    .patch(
      "/workspaces/:id/vars/:var_id",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const ref = {
          workspaceId: idParam("workspace", params.id),
          variableId: idParam("variable", params.var_id),
        };
        const input = variableInput(await readData(deps, request)) as UpdateVariableInput;
        const updated = await withWirePointers(variableAttributes, () => vars.update(actor, ref, input));
        return resourceResponse(serializeVariable(updated));
      },
      { parse: "none" },
    )
    .delete("/workspaces/:id/vars/:var_id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await vars.delete(actor, {
        workspaceId: idParam("workspace", params.id),
        variableId: idParam("variable", params.var_id),
      });
      return noContent();
    })
    .get("/workspaces/:id/all-vars", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return variableList(await vars.listEffective(actor, idParam("workspace", params.id)));
    });
}

/** The legacy `/vars[/:id]` (filtered by organization and workspace name). */
function legacyVariableRoutes(deps: TfeDeps) {
  const vars = deps.variables;
  return new Elysia({ name: "tfe.variables.legacy" })
    .get("/vars", async ({ request }) => {
      const actor = await actorOf(deps, request);
      const filter = legacyListFilter(new URL(request.url).searchParams);
      return variableList(
        await vars.list(actor, {
          organization: filter.organization as OrganizationName,
          workspace: filter.workspace,
        }),
      );
    })
    .post(
      "/vars",
      async ({ request }) => {
        const actor = await actorOf(deps, request);
        const data = await readData(deps, request);
        const workspace = relationshipId(data, "workspace") ?? relationshipId(data, "configurable");
        if (!workspace) {
          throw new InvalidError(
            "relationships.workspace is required",
            "/data/relationships/workspace",
            "invalid attribute",
          );
        }
        const workspaceId = idParam("workspace", workspace);
        const input = variableInput(data) as CreateVariableInput;
        const created = await withWirePointers(variableAttributes, () =>
          vars.create(actor, workspaceId, input),
        );
        return resourceResponse(serializeVariable(created), { status: 201 });
      },
      { parse: "none" },
    )
    .patch(
      "/vars/:id",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const variableId = idParam("variable", params.id);
        const input = variableInput(await readData(deps, request)) as UpdateVariableInput;
        const updated = await withWirePointers(variableAttributes, () =>
          vars.update(actor, { variableId }, input),
        );
        return resourceResponse(serializeVariable(updated));
      },
      { parse: "none" },
    )
    .delete("/vars/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await vars.delete(actor, { variableId: idParam("variable", params.id) });
      return noContent();
    });
}
