import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { StateVersionDeps } from "./deps.ts";
import { jsonStateBlobKey, stateBlobKey } from "./model.ts";
import { findStateVersionRow } from "./queries.ts";
import { stateVersionFor } from "./state-version-access.ts";

/**
 * Streams a finalized state version (raw, or the JSON state). Allowed for the holder of the matching
 * download capability or any actor that may read the workspace's state.
 */
export async function downloadStateContent(
  deps: StateVersionDeps,
  actor: Actor,
  id: string,
  kind: "raw" | "json",
): Promise<ReadableStream<Uint8Array>> {
  const sv = await findStateVersionRow(deps.db, id);
  // Soft-deleted or permanently deleted content reads as missing, as in TFE.
  if (sv?.status !== "finalized" || sv.backingData !== "present")
    throw new NotFoundError("state version", id);
  const purpose = kind === "raw" ? "state-download" : "json-state-download";
  const viaCapability = actor.kind === "capability" && actor.purpose === purpose && actor.resourceId === id;
  if (!viaCapability) await stateVersionFor(deps, actor, "state:read", id);
  const key = kind === "raw" ? stateBlobKey(sv.workspaceId, id) : jsonStateBlobKey(sv.workspaceId, id);
  const stream = await deps.blobs.get(key);
  if (!stream) throw new NotFoundError(kind === "raw" ? "state content" : "JSON state", id);
  return stream;
}
