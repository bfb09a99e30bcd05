import { createHash } from "node:crypto";
import { stateVersions } from "@terrapod/db";
import {
  type Actor,
  InvalidError,
  NotFoundError,
  type StateVersionId,
  TooLargeError,
} from "@terrapod/kernel";
import { lockHolderOf, sameHolder, workspaceFor } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import { StateLockRequiredError } from "./errors.ts";
import { finalizeStateVersion } from "./finalize-state-version.ts";
import { type StateVersion, stateBlobKey } from "./model.ts";
import { findCurrentStateVersion, findStateVersionRow } from "./queries.ts";
import { scanState } from "./state-file.ts";

/** Rollback rewrites the state in memory; bigger states are rolled back with the CLI instead. */
const maxRollbackBytes = 64 * 1024 * 1024;

/**
 * Makes an earlier state version current again by copying it forward as a new version whose serial
 * (in the record and in the file itself) is one above the current one, so the next CLI write continues
 * cleanly. Requires the caller to hold the workspace lock, as TFE does.
 */
export async function rollbackStateVersion(
  deps: StateVersionDeps,
  actor: Actor,
  workspaceId: string,
  targetId: string,
): Promise<StateVersion> {
  const ws = await workspaceFor(deps, actor, "state:write", workspaceId);
  if (!ws.lock || !sameHolder(ws.lock.holder, lockHolderOf(actor))) throw new StateLockRequiredError(ws.id);
  const target = await findStateVersionRow(deps.db, targetId);
  if (
    !target ||
    target.workspaceId !== ws.id ||
    target.status !== "finalized" ||
    target.backingData !== "present"
  ) {
    throw new NotFoundError("state version", targetId);
  }
  const current = await findCurrentStateVersion(deps.db, ws.id);
  const stream = await deps.blobs.get(stateBlobKey(ws.id, target.id));
  if (!stream) throw new NotFoundError("state content", target.id);
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  if (bytes.byteLength > maxRollbackBytes) throw new TooLargeError("state to roll back", maxRollbackBytes);
  const doc = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
  if (typeof doc.serial !== "number" || typeof doc.lineage !== "string") {
    throw new InvalidError(
      "this state is not a plain terraform state file (it may be client-side encrypted); roll it back with the CLI",
      undefined,
      "rollback not possible",
    );
  }
  const serial = (current?.serial ?? target.serial) + 1;
  doc.serial = serial;
  const next = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, "utf8");
  const facts = scanState(next);
  const id = deps.ids("stateVersion") as StateVersionId;
  await deps.db.insert(stateVersions).values({
    id,
    workspaceId: ws.id,
    serial,
    lineage: doc.lineage,
    md5: createHash("md5").update(next).digest("hex"),
    force: true,
    status: "pending",
    createdBy: `rollback:${target.id}`,
    createdAt: deps.clock.now(),
  });
  await deps.blobs.put(stateBlobKey(ws.id, id), next, { contentType: "application/json" });
  return finalizeStateVersion(deps, id, facts, next.byteLength);
}
