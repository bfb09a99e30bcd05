import type { AccessPolicy } from "@terrapod/core";
import { type Actor, InvalidError } from "@terrapod/kernel";
import {
  ClaimReply,
  ClaimRequest,
  EventsRequest,
  type ExecutorApi,
  executorPaths,
  LostJobReport,
  protocolVersion,
} from "@terrapod/runner-protocol";
import { readJson } from "@terrapod/tfe-api";
import { Elysia } from "elysia";
import type { z } from "zod";

export type ExecutorRoutesDeps = {
  readonly authenticate: (authorization: string | null) => Promise<Actor>;
  readonly access: Pick<AccessPolicy, "requireSite">;
  readonly executors: ExecutorApi;
  readonly limits: { readonly jsonBodyBytes: number };
};

/**
 * The executor contract over HTTPS, for executors outside the server process (the Kubernetes listener,
 * agent pools' listeners): claim, the events long poll, lost-job reports. Until agent pools exist, only
 * a platform admin's credential may act as an executor of the built-in pool.
 */
export function executorRoutes(deps: ExecutorRoutesDeps) {
  async function parse<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
    const actor = await deps.authenticate(request.headers.get("authorization"));
    deps.access.requireSite(actor, "runs:execute");
    const parsed = schema.safeParse(await readJson(request, deps.limits.jsonBodyBytes));
    if (!parsed.success) throw new InvalidError(`invalid message: ${parsed.error.issues[0]?.message ?? "?"}`);
    return parsed.data;
  }

  return new Elysia({ name: "executor-api" })
    .post(
      executorPaths.claim,
      async ({ request }) => {
        const job = await deps.executors.claim(await parse(request, ClaimRequest));
        return Response.json(ClaimReply.parse({ version: protocolVersion, job: job ?? null }));
      },
      { parse: "none" },
    )
    .post(
      executorPaths.events,
      async ({ request }) => {
        const body = await parse(request, EventsRequest);
        const events = await deps.executors.events({
          executorId: body.executorId,
          running: body.running,
          waitMs: body.waitSeconds * 1000,
          signal: request.signal,
        });
        return Response.json(events);
      },
      { parse: "none" },
    )
    .post(
      executorPaths.lost,
      async ({ request }) => {
        await deps.executors.reportLost(await parse(request, LostJobReport));
        return new Response(null, { status: 204 });
      },
      { parse: "none" },
    );
}
