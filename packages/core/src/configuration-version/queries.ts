import { type ConfigurationVersionRow, configurationVersions, type Executor, runs } from "@terrapod/db";
import type { ConfigurationVersionId, PageRequest, WorkspaceId } from "@terrapod/kernel";
import { and, count, desc, eq, exists, inArray, notInArray, or, type SQL } from "drizzle-orm";
import { terminalRunStatuses } from "../shared/run-status.ts";
import type { ConfigurationVersion, ConfigurationVersionStatus } from "./model.ts";

export function toConfigurationVersion(row: ConfigurationVersionRow): ConfigurationVersion {
  return {
    id: row.id as ConfigurationVersionId,
    workspaceId: row.workspaceId as WorkspaceId,
    status: row.status as ConfigurationVersionStatus,
    errorMessage: row.errorMessage,
    autoQueueRuns: row.autoQueueRuns,
    speculative: row.speculative,
    provisional: row.provisional,
    source: row.source,
    size: row.size,
    createdAt: row.createdAt,
    uploadedAt: row.uploadedAt,
    backingData: row.backingData,
  };
}

export async function findConfigurationVersion(
  db: Executor,
  id: string,
): Promise<ConfigurationVersion | undefined> {
  const [row] = await db
    .select()
    .from(configurationVersions)
    .where(eq(configurationVersions.id, id))
    .limit(1);
  return row ? toConfigurationVersion(row) : undefined;
}

/** Reads and row-locks a configuration version for the rest of the transaction. */
export async function findConfigurationVersionForUpdate(
  db: Executor,
  id: string,
): Promise<ConfigurationVersion | undefined> {
  const [row] = await db
    .select()
    .from(configurationVersions)
    .where(eq(configurationVersions.id, id))
    .for("update")
    .limit(1);
  return row ? toConfigurationVersion(row) : undefined;
}

export async function listConfigurationVersionRows(db: Executor, workspaceId: string, page: PageRequest) {
  const where = eq(configurationVersions.workspaceId, workspaceId);
  const [rows, [totals]] = await Promise.all([
    db
      .select()
      .from(configurationVersions)
      .where(where)
      .orderBy(desc(configurationVersions.createdAt), desc(configurationVersions.id))
      .limit(page.size)
      .offset((page.page - 1) * page.size),
    db.select({ n: count() }).from(configurationVersions).where(where),
  ]);
  return { items: rows.map(toConfigurationVersion), total: totals?.n ?? 0 };
}

/**
 * Each workspace's current configuration version: its newest version that is not speculative, and not
 * provisional unless a run on it was applied (TFE: a provisional version becomes current when applied).
 */
export async function currentConfigurationVersionIds(
  db: Executor,
  workspaceIds: readonly string[],
): Promise<Map<string, ConfigurationVersionId>> {
  const map = new Map<string, ConfigurationVersionId>();
  if (workspaceIds.length === 0) return map;
  const rows = await db
    .selectDistinctOn([configurationVersions.workspaceId], {
      id: configurationVersions.id,
      workspaceId: configurationVersions.workspaceId,
    })
    .from(configurationVersions)
    .where(
      and(
        inArray(configurationVersions.workspaceId, [...workspaceIds]),
        eq(configurationVersions.speculative, false),
        or(eq(configurationVersions.provisional, false), appliedRunUsesVersion(db)),
      ),
    )
    .orderBy(
      configurationVersions.workspaceId,
      desc(configurationVersions.createdAt),
      desc(configurationVersions.id),
    );
  for (const r of rows) map.set(r.workspaceId, r.id as ConfigurationVersionId);
  return map;
}

/** SQL: an applied run used the configuration version of the row (a provisional version then becomes current). */
function appliedRunUsesVersion(db: Executor): SQL {
  return exists(
    db
      .select({ one: runs.id })
      .from(runs)
      .where(and(eq(runs.configurationVersionId, configurationVersions.id), eq(runs.status, "applied"))),
  );
}

/** SQL: some run (in any status) uses the configuration version of the row. */
export function anyRunUsesVersion(db: Executor): SQL {
  return exists(
    db.select({ one: runs.id }).from(runs).where(eq(runs.configurationVersionId, configurationVersions.id)),
  );
}

/** True when a run that has not ended uses this configuration version (it still needs the archive). */
export async function hasUnfinishedRunOn(db: Executor, configurationVersionId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.configurationVersionId, configurationVersionId),
        notInArray(runs.status, [...terminalRunStatuses]),
      ),
    )
    .limit(1);
  return row !== undefined;
}
