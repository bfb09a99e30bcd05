import { workspaces } from "@terrapod/db";
import { type Actor, InternalError, NotFoundError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { WorkspaceDeps } from "./deps.ts";
import {
  StateUploadPendingError,
  WorkspaceAlreadyLockedError,
  WorkspaceLockedByOtherError,
  WorkspaceNotLockedError,
} from "./errors.ts";
import { encodeLockHolder, type LockHolder, lockHolderOf, sameHolder, type Workspace } from "./model.ts";
import { findWorkspaceById, findWorkspaceForUpdate } from "./queries.ts";
import { workspaceFor } from "./workspace-access.ts";

export async function lockWorkspace(
  deps: WorkspaceDeps,
  actor: Actor,
  id: string,
  input: { reason?: string | undefined },
): Promise<Workspace> {
  return deps.db.transaction(async (tx) => {
    const ws = await workspaceFor(deps, actor, "workspace:lock", id, { tx, lock: true });
    if (ws.lock) throw new WorkspaceAlreadyLockedError(ws.id, encodeLockHolder(ws.lock.holder));
    await tx
      .update(workspaces)
      .set({
        lockHolder: encodeLockHolder(lockHolderOf(actor)),
        lockReason: (input.reason ?? "").slice(0, 1000),
        lockedAt: deps.clock.now(),
      })
      .where(eq(workspaces.id, ws.id));
    return reread(tx, ws.id);
  });
}

/** Releases the caller's own lock. Someone else's lock (a run, another user) is refused. */
export async function unlockWorkspace(deps: WorkspaceDeps, actor: Actor, id: string): Promise<Workspace> {
  const ws = await workspaceFor(deps, actor, "workspace:unlock", id);
  if (await deps.hasPendingStateUpload(ws.id)) throw new StateUploadPendingError();
  return deps.db.transaction(async (tx) => {
    const current = await findWorkspaceForUpdate(tx, id);
    if (!current) throw new NotFoundError("workspace", id);
    if (!current.lock) throw new WorkspaceNotLockedError(current.id);
    const mine = lockHolderOf(actor);
    if (!sameHolder(current.lock.holder, mine) && actor.kind !== "system") {
      throw heldByOther(current.id, current.lock.holder);
    }
    await release(tx, current.id);
    return reread(tx, current.id);
  });
}

/** Admin override for a lock held by a user or token. A run's lock is released by ending the run. */
export async function forceUnlockWorkspace(
  deps: WorkspaceDeps,
  actor: Actor,
  id: string,
): Promise<Workspace> {
  return deps.db.transaction(async (tx) => {
    const ws = await workspaceFor(deps, actor, "workspace:force-unlock", id, { tx, lock: true });
    if (!ws.lock) throw new WorkspaceNotLockedError(ws.id);
    if (ws.lock.holder.kind === "run") throw heldByOther(ws.id, ws.lock.holder);
    await release(tx, ws.id);
    return reread(tx, ws.id);
  });
}

function heldByOther(id: string, holder: LockHolder) {
  switch (holder.kind) {
    case "run":
      return new WorkspaceLockedByOtherError(id, "Run", holder.runId);
    case "user":
      return new WorkspaceLockedByOtherError(id, "User", holder.userId);
    case "token":
      return new WorkspaceLockedByOtherError(id, "Team", holder.tokenId);
    case "system":
      return new WorkspaceLockedByOtherError(id, "User", "system");
  }
}

async function release(tx: Parameters<typeof findWorkspaceById>[0], id: string) {
  await tx
    .update(workspaces)
    .set({ lockHolder: null, lockReason: null, lockedAt: null })
    .where(eq(workspaces.id, id));
}

async function reread(tx: Parameters<typeof findWorkspaceById>[0], id: string): Promise<Workspace> {
  const ws = await findWorkspaceById(tx, id);
  if (!ws) throw new InternalError("workspace vanished");
  return ws;
}
