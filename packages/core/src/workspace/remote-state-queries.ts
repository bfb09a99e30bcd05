import { workspaceRemoteStateConsumers as consumers, type Executor, workspaces } from "@terrapod/db";
import type { PageRequest } from "@terrapod/kernel";
import { and, asc, count, eq, inArray } from "drizzle-orm";

/** One page of a workspace's remote state consumers' ids, by consumer name, and their total. */
export async function listConsumerIds(
  db: Executor,
  workspaceId: string,
  page: PageRequest,
): Promise<{ ids: string[]; total: number }> {
  const where = eq(consumers.workspaceId, workspaceId);
  const [rows, [totals]] = await Promise.all([
    db
      .select({ id: consumers.consumerId })
      .from(consumers)
      .innerJoin(workspaces, eq(workspaces.id, consumers.consumerId))
      .where(where)
      .orderBy(asc(workspaces.name))
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    db.select({ n: count() }).from(consumers).where(where),
  ]);
  return { ids: rows.map((r) => r.id), total: totals?.n ?? 0 };
}

export async function addConsumers(
  db: Executor,
  workspaceId: string,
  consumerIds: readonly string[],
  now: Date,
): Promise<void> {
  if (consumerIds.length === 0) return;
  await db
    .insert(consumers)
    .values(consumerIds.map((consumerId) => ({ workspaceId, consumerId, createdAt: now })))
    .onConflictDoNothing();
}

export async function removeConsumers(
  db: Executor,
  workspaceId: string,
  consumerIds: readonly string[] | "all",
): Promise<void> {
  if (consumerIds !== "all" && consumerIds.length === 0) return;
  const which = consumerIds === "all" ? undefined : inArray(consumers.consumerId, [...consumerIds]);
  await db.delete(consumers).where(and(eq(consumers.workspaceId, workspaceId), which));
}

export async function isConsumer(db: Executor, workspaceId: string, consumerId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: consumers.consumerId })
    .from(consumers)
    .where(and(eq(consumers.workspaceId, workspaceId), eq(consumers.consumerId, consumerId)))
    .limit(1);
  return row !== undefined;
}
