import { type ConfigurationVersionRow, configurationVersions, type Executor } from "@terrapod/db";
import type { ConfigurationVersionId, PageRequest, WorkspaceId } from "@terrapod/kernel";
import { count, desc, eq } from "drizzle-orm";
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
