import { Elysia } from "elysia";
import type { TfeDeps } from "./deps.ts";
import { discoveryRoutes } from "./discovery.ts";
import { commentRoutes } from "./resources/comments/routes.ts";
import { configurationVersionRoutes } from "./resources/configuration-versions/routes.ts";
import { organizationRoutes } from "./resources/organizations/routes.ts";
import { projectRoutes } from "./resources/projects/routes.ts";
import { runRoutes } from "./resources/runs/routes.ts";
import { stateVersionRoutes } from "./resources/state-versions/routes.ts";
import { tagRoutes } from "./resources/tags/routes.ts";
import { variableSetRoutes } from "./resources/variable-sets/routes.ts";
import { variableRoutes } from "./resources/variables/routes.ts";
import { remoteStateConsumerRoutes } from "./resources/workspaces/remote-state-consumers.ts";
import { workspaceRoutes } from "./resources/workspaces/routes.ts";

export type { TfeDeps } from "./deps.ts";
export { discoveryDocument } from "./discovery.ts";
export { errorDocument, statusByCode, toErrorResponse } from "./errors.ts";
export { tfeApiVersion, tfeHeaders } from "./headers.ts";
export { readBounded, readJson } from "./jsonapi/body.ts";
export { jsonApiContentType } from "./jsonapi/document.ts";

/** Mounts discovery and every TFE V2 resource; the server adds headers, auth errors and limits around it. */
export function createTfeApi(deps: TfeDeps) {
  return new Elysia({ name: "tfe" }).use(discoveryRoutes()).group("/api/v2", (api) =>
    api
      .get("/ping", () => new Response(null, { status: 204 }))
      .use(organizationRoutes(deps))
      .use(workspaceRoutes(deps))
      .use(projectRoutes(deps))
      .use(tagRoutes(deps))
      .use(stateVersionRoutes(deps))
      .use(variableRoutes(deps))
      .use(variableSetRoutes(deps))
      .use(configurationVersionRoutes(deps))
      .use(runRoutes(deps))
      .use(commentRoutes(deps))
      .use(remoteStateConsumerRoutes(deps)),
  );
}
