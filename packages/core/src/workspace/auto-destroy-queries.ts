import { type Executor, workspaces } from "@terrapod/db";
import { and, asc, eq, isNotNull, isNull, lte } from "drizzle-orm";

/** Workspaces whose `auto-destroy-at` has come, the earliest first. */
export async function listDueAutoDestroys(
  db: Executor,
  now: Date,
  limit = 100,
): Promise<{ id: string; autoDestroyAt: Date }[]> {
  const rows = await db
    .select({ id: workspaces.id, autoDestroyAt: workspaces.autoDestroyAt })
    .from(workspaces)
    .where(and(isNotNull(workspaces.autoDestroyAt), lte(workspaces.autoDestroyAt, now)))
    .orderBy(asc(workspaces.autoDestroyAt))
    .limit(limit);
  return rows.flatMap((r) => (r.autoDestroyAt ? [{ id: r.id, autoDestroyAt: r.autoDestroyAt }] : []));
}

/**
 * Unsets a due `auto-destroy-at` (TFE unsets it once it queues the destroy run). False when it changed
 * meanwhile (rescheduled, cleared, or claimed by another sweep): then nothing is to be queued.
 */
export async function claimAutoDestroy(db: Executor, workspaceId: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(workspaces)
    .set({ autoDestroyAt: null })
    .where(and(eq(workspaces.id, workspaceId), eq(workspaces.autoDestroyAt, at)))
    .returning({ id: workspaces.id });
  return rows.length > 0;
}

/** Puts back a claimed `auto-destroy-at` when its run could not be queued for a passing reason. */
export async function unclaimAutoDestroy(db: Executor, workspaceId: string, at: Date): Promise<void> {
  await db
    .update(workspaces)
    .set({ autoDestroyAt: at })
    .where(and(eq(workspaces.id, workspaceId), isNull(workspaces.autoDestroyAt)));
}
