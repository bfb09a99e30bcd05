import { createHash } from "node:crypto";
import { stateVersions } from "@terrapod/db";
import type { StateVersionId } from "@terrapod/kernel";
import type { StateVersionDeps } from "./deps.ts";
import { type FinalizeGuard, finalizeStateVersion } from "./finalize-state-version.ts";
import { stateBlobKey } from "./model.ts";
import { findCurrentStateVersion } from "./queries.ts";
import { createStateScanner } from "./state-file.ts";

/**
 * Stores the state a run's apply produced as a new state version of the workspace (streamed, checked like
 * any upload). Unchanged state (same serial and content as the current version) is not stored again.
 * Called by the runner protocol for the run's apply job; `guard` (checked again with the workspace row
 * locked, right before the version becomes current) refuses it when that job may no longer save state.
 */
export async function saveRunState(
  deps: StateVersionDeps,
  runId: string,
  workspaceId: string,
  body: ReadableStream<Uint8Array>,
  guard?: FinalizeGuard,
): Promise<{ stateVersionId: string } | undefined> {
  const id = deps.ids("stateVersion") as StateVersionId;
  const key = stateBlobKey(workspaceId, id);
  const md5 = createHash("md5");
  const scanner = createStateScanner();
  const inspect = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      md5.update(chunk);
      scanner.write(chunk);
      controller.enqueue(chunk);
    },
  });
  const { size } = await deps.blobs.put(key, body.pipeThrough(inspect), {
    contentType: "application/json",
    maxBytes: deps.limits.maxStateBytes,
  });
  try {
    const facts = scanner.end();
    const digest = md5.digest("hex");
    const current = await findCurrentStateVersion(deps.db, workspaceId);
    if (current && current.md5 === digest) {
      await deps.blobs.delete(key);
      return undefined;
    }
    await deps.db.insert(stateVersions).values({
      id,
      workspaceId,
      serial: facts.serial ?? (current?.serial ?? 0) + 1,
      lineage: facts.lineage ?? null,
      md5: digest,
      status: "pending",
      runId,
      createdBy: `run:${runId}`,
      createdAt: deps.clock.now(),
    });
    await finalizeStateVersion(deps, id, facts, size, guard);
    return { stateVersionId: id };
  } catch (err) {
    await deps.blobs.delete(key);
    throw err;
  }
}
