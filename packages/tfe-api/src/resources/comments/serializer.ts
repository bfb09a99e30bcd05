import type { RunComment } from "@terrapod/core";
import { isoTime, type ResourceObject } from "../../jsonapi/document.ts";

/** A run comment (TFE `comments`), with the run event that records it. */
export function serializeComment(c: RunComment): ResourceObject {
  return {
    id: c.id,
    type: "comments",
    attributes: { body: c.body, "created-at": isoTime(c.createdAt) },
    relationships: {
      "run-event": { data: c.runEventId ? { type: "run-events", id: c.runEventId } : null },
    },
    links: { self: `/api/v2/comments/${c.id}` },
  };
}
