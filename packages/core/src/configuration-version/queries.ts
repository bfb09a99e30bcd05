import { type ConfigurationVersionRow, configurationVersions, type Executor } from "@terrapod/db";
import type { ConfigurationVersionId, PageRequest, WorkspaceId } from "@terrapod/kernel";
import { and, count, desc, eq, inArray, or } from "drizzle-orm";
import { appliedRunUses } from "../run/queries.ts";
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
        or(eq(configurationVersions.provisional, false), appliedRunUses(db, configurationVersions.id)),
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
