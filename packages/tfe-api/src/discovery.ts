import { Elysia } from "elysia";

/** Service discovery: advertises only the services this server really has. */
export function discoveryDocument(): Record<string, unknown> {
  return {
    "tfe.v2": "/api/v2/",
    "tfe.v2.1": "/api/v2/",
    "tfe.v2.2": "/api/v2/",
    "state.v2": "/api/v2/",
  };
}

export function discoveryRoutes() {
  return new Elysia({ name: "tfe.discovery" }).get(
    "/.well-known/terraform.json",
    () =>
      new Response(JSON.stringify(discoveryDocument()), {
        headers: { "content-type": "application/json" },
      }),
  );
}
