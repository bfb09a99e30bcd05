import type { OrganizationName } from "@terrapod/kernel";
import { Elysia } from "elysia";
import type { TfeDeps } from "../../deps.ts";
import { mapAttributes, withWirePointers } from "../../jsonapi/attributes.ts";
import { jsonApiData, readJson } from "../../jsonapi/body.ts";
import {
  collectionResponse,
  noContent,
  type ResourceObject,
  resourceResponse,
} from "../../jsonapi/document.ts";
import { parseInclude, parsePage } from "../../jsonapi/query.ts";
import { serializeProject } from "../projects/serializer.ts";
import { organizationAttributes } from "./params.ts";
import { serializeEntitlements, serializeOrganization } from "./serializer.ts";

export function organizationRoutes(deps: TfeDeps) {
  const render = async (
    actor: Parameters<TfeDeps["organizations"]["permissions"]>[0],
    org: { name: OrganizationName },
  ) => deps.organizations.permissions(actor, org.name);

  /** `include=default-project` (go-tfe `OrganizationDefaultProject`); other values are ignored. */
  const includesFor = async (
    actor: Parameters<TfeDeps["organizations"]["permissions"]>[0],
    org: { defaultProjectId: string | null },
    request: Request,
  ): Promise<ResourceObject[]> => {
    if (!org.defaultProjectId || !parseInclude(new URL(request.url).searchParams).has("default-project")) {
      return [];
    }
    const project = await deps.projects.get(actor, org.defaultProjectId);
    return [serializeProject(project, await deps.projects.permissions(actor, project))];
  };

  return new Elysia({ name: "tfe.organizations" })
    .get("/organizations", async ({ request }) => {
      const actor = await deps.authenticate(request.headers.get("authorization"));
      const page = await deps.organizations.list(actor, parsePage(new URL(request.url).searchParams));
      const data = await Promise.all(
        page.items.map(async (o) => serializeOrganization(o, await render(actor, o))),
      );
      return collectionResponse(data, { page });
    })
    .post(
      "/organizations",
      async ({ request }) => {
        const actor = await deps.authenticate(request.headers.get("authorization"));
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["organizations"]);
        const input = mapAttributes(data.attributes, organizationAttributes);
        const org = await withWirePointers(organizationAttributes, () =>
          deps.organizations.create(actor, input as Parameters<TfeDeps["organizations"]["create"]>[1]),
        );
        return resourceResponse(serializeOrganization(org, await render(actor, org)), { status: 201 });
      },
      { parse: "none" },
    )
    .get("/organizations/:org", async ({ request, params }) => {
      const actor = await deps.authenticate(request.headers.get("authorization"));
      const org = await deps.organizations.get(actor, params.org as OrganizationName);
      return resourceResponse(serializeOrganization(org, await render(actor, org)), {
        included: await includesFor(actor, org, request),
      });
    })
    .patch(
      "/organizations/:org",
      async ({ request, params }) => {
        const actor = await deps.authenticate(request.headers.get("authorization"));
        const data = jsonApiData(await readJson(request, deps.limits.jsonBodyBytes), ["organizations"]);
        const input = mapAttributes(data.attributes, organizationAttributes);
        const org = await withWirePointers(organizationAttributes, () =>
          deps.organizations.update(actor, params.org as OrganizationName, input),
        );
        return resourceResponse(serializeOrganization(org, await render(actor, org)));
      },
      { parse: "none" },
    )
    .delete("/organizations/:org", async ({ request, params }) => {
      const actor = await deps.authenticate(request.headers.get("authorization"));
      await deps.organizations.delete(actor, params.org as OrganizationName);
      return noContent();
    })
    .get("/organizations/:org/entitlement-set", async ({ request, params }) => {
      const actor = await deps.authenticate(request.headers.get("authorization"));
      const { organization, entitlements } = await deps.organizations.entitlements(
        actor,
        params.org as OrganizationName,
      );
      return resourceResponse(serializeEntitlements(organization, entitlements));
    });
}
