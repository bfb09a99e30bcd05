import type { Project } from "@terrapod/core";
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
import { idParam } from "../../jsonapi/ids.ts";
import { parseInclude, parsePage } from "../../jsonapi/query.ts";
import { serializeOrganization } from "../organizations/serializer.ts";
import { createProjectInput, listProjectsInput, projectAttributes, updateProjectInput } from "./params.ts";
import { serializeProject } from "./serializer.ts";

/** Projects: the folders workspaces live in (the CLI's `cloud { workspaces { project = … } }`). */
export function projectRoutes(deps: TfeDeps) {
  const projects = deps.projects;

  async function serialize(actor: Actor, p: Project): Promise<ResourceObject> {
    return serializeProject(p, await projects.permissions(actor, p));
  }

  /** `include=organization`; other values (go-tfe's `effective_tag_bindings`) are accepted and ignored. */
  async function includesFor(actor: Actor, list: readonly Project[], request: Request) {
    const include = parseInclude(new URL(request.url).searchParams);
    const out: ResourceObject[] = [];
    const first = list[0];
    if (include.has("organization") && first) {
      const org = await deps.organizations.get(actor, first.organization);
      out.push(serializeOrganization(org, await deps.organizations.permissions(actor, org.name)));
    }
    return out;
  }

  async function render(actor: Actor, p: Project, request: Request, status = 200) {
    return resourceResponse(await serialize(actor, p), {
      status,
      included: await includesFor(actor, [p], request),
    });
  }

  async function renderPage(actor: Actor, page: Page<Project>, request: Request) {
    const data = await Promise.all(page.items.map((p) => serialize(actor, p)));
    return collectionResponse(data, { page, included: await includesFor(actor, page.items, request) });
  }

  return new Elysia({ name: "tfe.projects" })
    .get("/organizations/:org/projects", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const sp = new URL(request.url).searchParams;
      const page = await projects.list(
        actor,
        params.org as OrganizationName,
        listProjectsInput(sp),
        parsePage(sp),
      );
      return renderPage(actor, page, request);
    })
    .post(
      "/organizations/:org/projects",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["projects"]);
        const input = createProjectInput(data);
        const created = await withWirePointers(projectAttributes, () =>
          projects.create(actor, params.org as OrganizationName, input),
        );
        return render(actor, created, request, 201);
      },
      { parse: "none" },
    )
    .get("/projects/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return render(actor, await projects.get(actor, idParam("project", params.id)), request);
    })
    .patch(
      "/projects/:id",
      async ({ request, params }) => {
        const actor = await actorOf(deps, request);
        const id = idParam("project", params.id);
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["projects"]);
        const input = updateProjectInput(data);
        const updated = await withWirePointers(projectAttributes, () => projects.update(actor, id, input));
        return render(actor, updated, request);
      },
      { parse: "none" },
    )
    .delete("/projects/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      await projects.delete(actor, idParam("project", params.id));
      return noContent();
    });
}
