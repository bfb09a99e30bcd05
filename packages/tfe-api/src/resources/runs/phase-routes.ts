import { BadRequestError } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { resourceResponse } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { frameLog } from "./log-framing.ts";
import { runUrls } from "./render.ts";
import { serializeApply, serializePlan } from "./serializer.ts";

const maxLogRead = 1024 * 1024;

/** A run's plan and apply, plans and applies by id, and a plan's JSON output and provider schemas. */
export function runPhaseRoutes(deps: TfeDeps) {
  const runs = deps.runs;
  return new Elysia({ name: "tfe.runs.phases" })
    .get("/runs/:id/plan", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializePlan(await runs.get(actor, idParam("run", params.id)), runUrls(deps, request)),
      );
    })
    .get("/runs/:id/apply", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializeApply(await runs.get(actor, idParam("run", params.id)), runUrls(deps, request)),
      );
    })
    .get("/plans/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializePlan(await runs.byPhase(actor, idParam("plan", params.id)), runUrls(deps, request)),
      );
    })
    .get("/applies/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return resourceResponse(
        serializeApply(await runs.byPhase(actor, idParam("apply", params.id)), runUrls(deps, request)),
      );
    })
    .get("/plans/:id/json-output", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return new Response(await runs.planJson(actor, idParam("plan", params.id), "plan-json"), {
        headers: { "content-type": "application/json" },
      });
    })
    .get("/plans/:id/json-provider-schemas", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      return new Response(await runs.planJson(actor, idParam("plan", params.id), "provider-schemas"), {
        headers: { "content-type": "application/json" },
      });
    });
}

/** `GET /cap/log-read/:token`: a plan's or an apply's log, framed, through a capability URL. */
export function runLogRoutes(deps: TfeDeps) {
  const runs = deps.runs;
  return new Elysia({ name: "tfe.runs.logs" }).get("/cap/log-read/:token", async ({ request, params }) => {
    const actor = deps.capabilities.verify(params.token, "log-read");
    const sp = new URL(request.url).searchParams;
    const offset = Number(sp.get("offset") ?? "0");
    const limit = Math.min(Number(sp.get("limit") ?? "65536"), maxLogRead);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1) {
      throw new BadRequestError("offset and limit must be non-negative integers");
    }
    const { bytes, ended } = await frameLog(
      (o, l) => runs.readLog(actor, actor.resourceId, o, l),
      offset,
      limit,
    );
    if (ended && actor.resourceId.startsWith("plan-")) await runs.planLogRead(actor.resourceId);
    return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": "text/plain" } });
  });
}
