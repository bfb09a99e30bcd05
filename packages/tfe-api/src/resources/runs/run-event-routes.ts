import type { RunEventRecord } from "@terrapod/core";
import type { Actor } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { actorOf, type TfeDeps } from "../../deps.ts";
import { collectionResponse, type ResourceObject, resourceResponse } from "../../jsonapi/document.ts";
import { idParam } from "../../jsonapi/ids.ts";
import { parseInclude } from "../../jsonapi/query.ts";
import { serializeComment } from "../comments/serializer.ts";
import { serializeUser } from "../users/serializer.ts";
import { serializeRunEvent } from "./serializer.ts";

/** `include=actor` (users) and `include=comment` (comments) for events of one run. */
async function includedFor(
  deps: TfeDeps,
  actor: Actor,
  runId: string,
  events: readonly RunEventRecord[],
  request: Request,
): Promise<ResourceObject[]> {
  const include = parseInclude(new URL(request.url).searchParams);
  const out: ResourceObject[] = [];
  if (include.has("actor")) {
    const ids = events.flatMap((e) => (e.actorUserId ? [e.actorUserId] : []));
    for (const user of (await deps.users.profiles(actor, ids)).values()) out.push(serializeUser(user));
  }
  if (include.has("comment") && events.some((e) => e.commentId)) {
    const wanted = new Set(events.map((e) => e.commentId));
    const comments = await deps.runs.comments(actor, runId);
    out.push(...comments.filter((c) => wanted.has(c.id)).map(serializeComment));
  }
  return out;
}

/** A run's events (go-tfe `RunEvents`), with the user and comment of each on request. */
export function runEventRoutes(deps: TfeDeps) {
  return new Elysia({ name: "tfe.run-events" })
    .get("/runs/:id/run-events", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const runId = idParam("run", params.id);
      const events = await deps.runs.events(actor, runId);
      return collectionResponse(events.map(serializeRunEvent), {
        page: { page: 1, size: Math.max(events.length, 1), total: events.length },
        included: await includedFor(deps, actor, runId, events, request),
      });
    })
    .get("/run-events/:id", async ({ request, params }) => {
      const actor = await actorOf(deps, request);
      const event = await deps.runs.event(actor, idParam("runEvent", params.id));
      return resourceResponse(serializeRunEvent(event), {
        included: await includedFor(deps, actor, event.runId, [event], request),
      });
    });
}
