import { createHash } from "node:crypto";
import { stateVersions } from "@terrapod/db";
import {
  type Actor,
  InternalError,
  InvalidError,
  type StateVersionId,
  TooLargeError,
} from "@terrapod/kernel";
import { z } from "zod";
import { parseInput } from "../shared/validate.ts";
import { lockHolderOf, sameHolder, workspaceFor } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import { StateLockRequiredError, StateMd5MismatchError } from "./errors.ts";
import { assertSuccessor, finalizeStateVersion, sealOutputs } from "./finalize-state-version.ts";
import { jsonStateBlobKey, type StateVersion, stateBlobKey } from "./model.ts";
import { findStateVersion } from "./queries.ts";
import { readOutputs, scanState } from "./state-file.ts";

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");

export const CreateStateVersionInput = z.strictObject({
  serial: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  md5: z.string().regex(/^[0-9a-fA-F]{32}$/, "must be 32 hex digits"),
  lineage: z.string().min(1).max(255).optional(),
  force: z.boolean().optional(),
  /** Legacy one-step upload: the whole state, base64. */
  state: base64.optional(),
  jsonState: base64.optional(),
  /** base64 of `{name: {value, type, sensitive}}` computed by the CLI. */
  jsonStateOutputs: base64.optional(),
  runId: z.string().max(64).optional(),
});
export type CreateStateVersionInput = z.input<typeof CreateStateVersionInput>;

/**
 * Creates a state version. The caller must hold the workspace lock (as TFE requires). With `state`
 * inline the version is stored and finalized at once; otherwise it stays pending until its content is
 * PUT to the upload capability URL.
 */
export async function createStateVersion(
  deps: StateVersionDeps,
  actor: Actor,
  workspaceId: string,
  raw: CreateStateVersionInput,
): Promise<StateVersion> {
  const input = parseInput(CreateStateVersionInput, raw);
  const ws = await workspaceFor(deps, actor, "state:write", workspaceId);
  if (!ws.lock || !sameHolder(ws.lock.holder, lockHolderOf(actor))) throw new StateLockRequiredError(ws.id);

  const outputs = input.jsonStateOutputs === undefined ? undefined : decodeOutputs(input.jsonStateOutputs);
  await assertSuccessor(deps.db, ws.currentStateVersionId, {
    serial: input.serial,
    md5: input.md5,
    lineage: input.lineage,
    force: input.force ?? false,
  });

  const id = deps.ids("stateVersion") as StateVersionId;
  const md5 = input.md5.toLowerCase();
  let inline: { bytes: Uint8Array; facts: ReturnType<typeof scanState> } | undefined;
  if (input.state !== undefined) {
    const bytes = decodeBase64(input.state, deps.limits.maxStateBytes, "state");
    const actual = createHash("md5").update(bytes).digest("hex");
    if (actual !== md5) throw new StateMd5MismatchError(md5, actual);
    // The declared serial and lineage are authoritative, as in TFE (go-tfe's suite declares values
    // that differ from its fixture file's); the CLIs always declare the file's own.
    const facts = scanState(bytes);
    inline = { bytes, facts };
  }

  await deps.db.insert(stateVersions).values({
    id,
    workspaceId: ws.id,
    serial: input.serial,
    lineage: input.lineage ?? inline?.facts.lineage ?? null,
    md5,
    force: input.force ?? false,
    status: "pending",
    pendingOutputs: outputs ? sealOutputs(deps, id, outputs) : null,
    runId: input.runId ?? (actor.kind === "run" ? actor.runId : null),
    createdBy: describeCreator(actor),
    createdAt: deps.clock.now(),
  });

  if (!inline) {
    const sv = await findStateVersion(deps.db, id);
    if (!sv) throw new InternalError("state version vanished after insert");
    return sv;
  }
  const size = inline.bytes.byteLength;
  await deps.blobs.put(stateBlobKey(ws.id, id), inline.bytes, { contentType: "application/json" });
  if (input.jsonState !== undefined) {
    const json = decodeBase64(input.jsonState, deps.limits.maxStateBytes, "json-state");
    await deps.blobs.put(jsonStateBlobKey(ws.id, id), json, { contentType: "application/json" });
  }
  try {
    return await finalizeStateVersion(deps, id, inline.facts, size);
  } catch (err) {
    await deps.blobs.delete(stateBlobKey(ws.id, id));
    await deps.blobs.delete(jsonStateBlobKey(ws.id, id));
    throw err;
  }
}

function decodeBase64(value: string, limit: number, field: string): Uint8Array {
  if (Math.floor((value.length * 3) / 4) > limit) throw new TooLargeError(field, limit);
  return Buffer.from(value, "base64");
}

function decodeOutputs(b64: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
  } catch {
    throw new InvalidError("json-state-outputs is not base64-encoded JSON", "jsonStateOutputs");
  }
  const outputs = readOutputs(parsed);
  if (!outputs)
    throw new InvalidError("json-state-outputs must be a JSON object of outputs", "jsonStateOutputs");
  return outputs;
}

function describeCreator(actor: Actor): string {
  switch (actor.kind) {
    case "user":
      return `user:${actor.userId}`;
    case "organization-token":
      return `token:${actor.tokenId}`;
    case "run":
      return `run:${actor.runId}`;
    case "run-reader":
    case "capability":
    case "system":
      return "system";
  }
}
