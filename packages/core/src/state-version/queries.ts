import {
  type Executor,
  type StateVersionRow,
  stateVersionOutputs,
  stateVersions,
  workspaces,
} from "@terrapod/db";
import type { PageRequest, RunId, StateVersionId, StateVersionOutputId, WorkspaceId } from "@terrapod/kernel";
import { and, asc, count, desc, eq, gt, inArray } from "drizzle-orm";
import { pendingUploadTtlMs, type StateVersion, type StateVersionStatus } from "./model.ts";

export function toStateVersion(row: StateVersionRow, outputIds: readonly string[]): StateVersion {
  return {
    id: row.id as StateVersionId,
    workspaceId: row.workspaceId as WorkspaceId,
    serial: row.serial,
    lineage: row.lineage,
    md5: row.md5,
    status: row.status as StateVersionStatus,
    size: row.size,
    hasJsonState: row.jsonStateSize !== null,
    terraformVersion: row.terraformVersion,
    stateFormatVersion: row.stateFormatVersion,
    resources: row.resources ?? [],
    resourcesProcessed: row.resourcesProcessed,
    runId: row.runId as RunId | null,
    outputIds: outputIds as StateVersionOutputId[],
    createdAt: row.createdAt,
    finalizedAt: row.finalizedAt,
    backingData: row.backingData,
    uploads: { state: false, json: false },
  };
}

async function outputIdsFor(db: Executor, ids: readonly string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (ids.length === 0) return map;
  const rows = await db
    .select({ id: stateVersionOutputs.id, sv: stateVersionOutputs.stateVersionId })
    .from(stateVersionOutputs)
    .where(inArray(stateVersionOutputs.stateVersionId, [...ids]))
    .orderBy(asc(stateVersionOutputs.position));
  for (const r of rows) {
    const list = map.get(r.sv) ?? [];
    list.push(r.id);
    map.set(r.sv, list);
  }
  return map;
}

export async function findStateVersionRow(db: Executor, id: string, forUpdate = false) {
  const q = db.select().from(stateVersions).where(eq(stateVersions.id, id)).limit(1);
  const [row] = forUpdate ? await q.for("update") : await q;
  return row;
}

export async function findStateVersion(db: Executor, id: string): Promise<StateVersion | undefined> {
  const row = await findStateVersionRow(db, id);
  if (!row) return undefined;
  const outputs = await outputIdsFor(db, [row.id]);
  return toStateVersion(row, outputs.get(row.id) ?? []);
}

/** Reads and row-locks a state version for the rest of the transaction. */
export async function findStateVersionForUpdate(db: Executor, id: string): Promise<StateVersion | undefined> {
  const row = await findStateVersionRow(db, id, true);
  if (!row) return undefined;
  const outputs = await outputIdsFor(db, [row.id]);
  return toStateVersion(row, outputs.get(row.id) ?? []);
}

export async function findCurrentStateVersion(
  db: Executor,
  workspaceId: string,
): Promise<StateVersion | undefined> {
  const [ws] = await db
    .select({ current: workspaces.currentStateVersionId })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId))
    .limit(1);
  if (!ws?.current) return undefined;
  return findStateVersion(db, ws.current);
}

/** Finalized state versions of a workspace, newest first. */
export async function listStateVersionRows(
  db: Executor,
  workspaceId: string,
  page: PageRequest,
): Promise<{ items: StateVersion[]; total: number }> {
  const where = and(eq(stateVersions.workspaceId, workspaceId), eq(stateVersions.status, "finalized"));
  const [rows, [totals]] = await Promise.all([
    db
      .select()
      .from(stateVersions)
      .where(where)
      .orderBy(desc(stateVersions.createdAt), desc(stateVersions.id))
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    db.select({ n: count() }).from(stateVersions).where(where),
  ]);
  const outputs = await outputIdsFor(
    db,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => toStateVersion(r, outputs.get(r.id) ?? [])), total: totals?.n ?? 0 };
}

export async function hasRecentPendingStateVersion(
  db: Executor,
  workspaceId: string,
  now: Date,
): Promise<boolean> {
  const [newest] = await db
    .select({ status: stateVersions.status })
    .from(stateVersions)
    .where(
      and(
        eq(stateVersions.workspaceId, workspaceId),
        gt(stateVersions.createdAt, new Date(now.getTime() - pendingUploadTtlMs)),
      ),
    )
    .orderBy(desc(stateVersions.createdAt))
    .limit(1);
  return newest?.status === "pending";
}

export async function listOutputRows(db: Executor, stateVersionId: string) {
  return db
    .select()
    .from(stateVersionOutputs)
    .where(eq(stateVersionOutputs.stateVersionId, stateVersionId))
    .orderBy(asc(stateVersionOutputs.position));
}

export async function findOutputRow(db: Executor, id: string) {
  const [row] = await db
    .select({ output: stateVersionOutputs, workspaceId: stateVersions.workspaceId })
    .from(stateVersionOutputs)
    .innerJoin(stateVersions, eq(stateVersions.id, stateVersionOutputs.stateVersionId))
    .where(eq(stateVersionOutputs.id, id))
    .limit(1);
  return row;
}
