import { createHash } from "node:crypto";
import { stateVersions } from "@terrapod/db";
import { type Actor, ConflictError, ForbiddenError, NotFoundError } from "@terrapod/kernel";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { StateVersionDeps } from "./deps.ts";
import { StateAlreadyUploadedError, StateMd5MismatchError } from "./errors.ts";
import { finalizeStateVersion } from "./finalize-state-version.ts";
import {
  awaitsJsonState,
  jsonStateBlobKey,
  type StateVersion,
  type StateVersionStatus,
  stateBlobKey,
} from "./model.ts";
import { findStateVersionRow } from "./queries.ts";
import { createStateScanner } from "./state-file.ts";

function requireCapability(actor: Actor, purpose: "state-upload" | "json-state-upload", id: string) {
  if (actor.kind !== "capability" || actor.purpose !== purpose || actor.resourceId !== id) {
    throw new ForbiddenError(`${purpose} requires the upload URL issued for this state version`);
  }
}

/**
 * Streams a pending state version's content into storage (never buffered whole), checking its MD5,
 * that it is JSON and that its serial matches, then makes it current. Anything wrong leaves the
 * previous current state untouched and stores nothing.
 */
export async function uploadStateContent(
  deps: StateVersionDeps,
  actor: Actor,
  id: string,
  body: ReadableStream<Uint8Array>,
): Promise<StateVersion> {
  requireCapability(actor, "state-upload", id);
  const sv = await findStateVersionRow(deps.db, id);
  if (!sv) throw new NotFoundError("state version", id);
  if (sv.status !== "pending") throw new StateAlreadyUploadedError(id, sv.status);
  await claimUpload(deps, id);

  const md5 = createHash("md5");
  const scanner = createStateScanner();
  const inspect = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      md5.update(chunk);
      scanner.write(chunk);
      controller.enqueue(chunk);
    },
  });
  const key = stateBlobKey(sv.workspaceId, id);
  try {
    const { size } = await deps.blobs.put(key, body.pipeThrough(inspect), {
      contentType: "application/json",
      maxBytes: deps.limits.maxStateBytes,
    });
    const actual = md5.digest("hex");
    if (actual !== sv.md5) throw new StateMd5MismatchError(sv.md5, actual);
    // The declared serial and lineage are authoritative, as in TFE; see create-state-version.ts.
    const facts = scanner.end();
    return await finalizeStateVersion(deps, id, facts, size);
  } catch (err) {
    await deps.blobs.delete(key);
    await deps.db.update(stateVersions).set({ uploadStartedAt: null }).where(eq(stateVersions.id, id));
    throw err;
  }
}

/** One upload at a time per state version; a claim left by a dead process expires. */
async function claimUpload(deps: StateVersionDeps, id: string): Promise<void> {
  const now = deps.clock.now();
  const stale = new Date(now.getTime() - uploadClaimTtlMs);
  const claimed = await deps.db
    .update(stateVersions)
    .set({ uploadStartedAt: now })
    .where(
      and(
        eq(stateVersions.id, id),
        eq(stateVersions.status, "pending"),
        or(isNull(stateVersions.uploadStartedAt), lt(stateVersions.uploadStartedAt, stale)),
      ),
    )
    .returning({ id: stateVersions.id });
  if (claimed.length === 0) {
    throw new ConflictError(
      `an upload of state version ${id} is already in progress`,
      { id },
      "upload in progress",
    );
  }
}

const uploadClaimTtlMs = 5 * 60_000;

/** Stores the JSON state (`terraform show -json` format) sent alongside the raw state. */
export async function uploadJsonStateContent(
  deps: StateVersionDeps,
  actor: Actor,
  id: string,
  body: ReadableStream<Uint8Array>,
): Promise<void> {
  requireCapability(actor, "json-state-upload", id);
  const sv = await findStateVersionRow(deps.db, id);
  if (!sv) throw new NotFoundError("state version", id);
  // Only while the version awaits it (a replayed URL cannot replace an old version's JSON state).
  const facts = { status: sv.status as StateVersionStatus, hasJsonState: sv.jsonStateSize !== null };
  if (!awaitsJsonState({ ...facts, finalizedAt: sv.finalizedAt }, deps.clock.now(), { replace: true })) {
    throw new StateAlreadyUploadedError(id, sv.status);
  }
  const { size } = await deps.blobs.put(jsonStateBlobKey(sv.workspaceId, id), body, {
    contentType: "application/json",
    maxBytes: deps.limits.maxStateBytes,
  });
  await deps.db.update(stateVersions).set({ jsonStateSize: size }).where(eq(stateVersions.id, id));
}
