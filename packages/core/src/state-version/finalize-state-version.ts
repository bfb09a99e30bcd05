import { type Executor, stateVersionOutputs, stateVersions, workspaces } from "@terrapod/db";
import { InternalError, NotFoundError, type StateVersionOutputId } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { findWorkspaceForUpdate, type Workspace } from "../workspace/index.ts";
import type { StateVersionDeps } from "./deps.ts";
import { StateAlreadyUploadedError, StateLineageConflictError, StateSerialConflictError } from "./errors.ts";
import { pendingUploadTtlMs, type StateVersion } from "./model.ts";
import { findStateVersion, findStateVersionRow } from "./queries.ts";
import { readOutputs, type StateFacts, type StateOutput } from "./state-file.ts";

/**
 * Checks a new state against the workspace's current one, unless forced: the same lineage, and a higher
 * serial, or the same serial with byte-identical content (the same MD5, which both upload paths verify
 * against the bytes). TFE accepts such a re-upload of the current state; it cannot lose an update, because
 * the content does not change. Throws the conflict the client sees.
 */
export async function assertSuccessor(
  db: Executor,
  currentId: string | null,
  next: { serial: number; md5: string; lineage: string | null | undefined; force: boolean },
): Promise<void> {
  if (next.force || !currentId) return;
  const current = await findStateVersionRow(db, currentId);
  if (!current) return;
  const reupload = next.serial === current.serial && next.md5.toLowerCase() === current.md5.toLowerCase();
  if (next.serial <= current.serial && !reupload) {
    throw new StateSerialConflictError(next.serial, current.serial);
  }
  if (next.lineage && current.lineage && next.lineage !== current.lineage) {
    throw new StateLineageConflictError(next.lineage, current.lineage);
  }
}

/**
 * A last check made with the workspace row locked, before a version becomes current: throwing refuses
 * the version (it is marked discarded, and the error is what the caller sees).
 */
export type FinalizeGuard = (tx: Executor, ws: Workspace) => Promise<void>;

/**
 * Makes a pending state version current, atomically: the workspace row is locked, the successor rules are
 * checked again (two uploads racing for one workspace cannot both win), outputs and the resource summary
 * are stored. A version that lost the race is marked discarded.
 */
export async function finalizeStateVersion(
  deps: StateVersionDeps,
  id: string,
  facts: StateFacts,
  size: number,
  guard?: FinalizeGuard,
): Promise<StateVersion> {
  const now = deps.clock.now();
  let conflict: unknown;
  await deps.db.transaction(async (tx) => {
    const pending = await findStateVersionRow(tx, id);
    if (!pending) throw new NotFoundError("state version", id);
    const ws = await findWorkspaceForUpdate(tx, pending.workspaceId);
    if (!ws) throw new NotFoundError("workspace", pending.workspaceId);
    const sv = await findStateVersionRow(tx, id, true);
    if (!sv) throw new NotFoundError("state version", id);
    if (sv.status !== "pending") throw new StateAlreadyUploadedError(id, sv.status);
    const lineage = sv.lineage ?? facts.lineage ?? null;
    const refused = await refusalOf(tx, ws, { ...sv, lineage }, now, guard);
    if (refused) {
      await tx.update(stateVersions).set({ status: "discarded" }).where(eq(stateVersions.id, id));
      conflict = refused;
      return;
    }
    const outputs = sv.pendingOutputs ? decodeSealedOutputs(deps, sv.id, sv.pendingOutputs) : facts.outputs;
    const resources = facts.resources;
    await tx
      .update(stateVersions)
      .set({
        status: "finalized",
        size,
        lineage,
        pendingOutputs: null,
        terraformVersion: facts.terraformVersion ?? null,
        stateFormatVersion: facts.formatVersion ?? null,
        resources,
        resourcesProcessed: true,
        finalizedAt: now,
      })
      .where(eq(stateVersions.id, id));
    const entries = Object.entries(outputs ?? {});
    if (entries.length > 0) {
      await tx.insert(stateVersionOutputs).values(
        entries.map(([name, o], position) => ({
          id: deps.ids("stateVersionOutput") as StateVersionOutputId,
          stateVersionId: id,
          name,
          sensitive: o.sensitive,
          type: o.type,
          value: deps.secrets.encrypt(JSON.stringify(o.value ?? null), outputAad(id, name)),
          position,
        })),
      );
    }
    await tx
      .update(workspaces)
      .set({ currentStateVersionId: id, resourceCount: facts.managedInstances, updatedAt: now })
      .where(eq(workspaces.id, ws.id));
  });
  if (conflict) throw conflict;
  const sv = await findStateVersion(deps.db, id);
  if (!sv) throw new InternalError("state version vanished after finalize");
  return sv;
}

/** Why a pending version may not become current (the caller discards it), if it may not. */
async function refusalOf(
  tx: Executor,
  ws: Workspace,
  sv: { id: string; createdAt: Date; serial: number; md5: string; lineage: string | null; force: boolean },
  now: Date,
  guard: FinalizeGuard | undefined,
): Promise<unknown> {
  try {
    await guard?.(tx, ws);
    if (now.getTime() - sv.createdAt.getTime() > pendingUploadTtlMs) {
      return new StateAlreadyUploadedError(sv.id, "expired");
    }
    await assertSuccessor(tx, ws.currentStateVersionId, sv);
    return undefined;
  } catch (err) {
    return err;
  }
}

export function outputAad(stateVersionId: string, name: string): string {
  return `state-version-output:${stateVersionId}:${name}`;
}

export function sealOutputs(
  deps: StateVersionDeps,
  id: string,
  outputs: Record<string, StateOutput>,
): string {
  return deps.secrets.encrypt(JSON.stringify(outputs), `pending-outputs:${id}`);
}

function decodeSealedOutputs(deps: StateVersionDeps, id: string, sealed: string) {
  return readOutputs(JSON.parse(deps.secrets.decrypt(sealed, `pending-outputs:${id}`)));
}
