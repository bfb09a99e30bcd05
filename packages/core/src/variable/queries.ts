import { type Executor, type VariableRow, variables } from "@terrapod/db";
import { asc, eq, inArray } from "drizzle-orm";

/** A workspace's variables in creation order (the order TFE lists them in). */
export async function listWorkspaceVariableRows(db: Executor, workspaceId: string): Promise<VariableRow[]> {
  return db
    .select()
    .from(variables)
    .where(eq(variables.workspaceId, workspaceId))
    .orderBy(asc(variables.createdAt), asc(variables.id));
}

export async function findVariableRow(db: Executor, id: string): Promise<VariableRow | undefined> {
  const [row] = await db.select().from(variables).where(eq(variables.id, id)).limit(1);
  return row;
}

/** Reads and row-locks a variable for the rest of the transaction. */
export async function findVariableRowForUpdate(db: Executor, id: string): Promise<VariableRow | undefined> {
  const [row] = await db.select().from(variables).where(eq(variables.id, id)).for("update").limit(1);
  return row;
}

/** Variable ids per workspace, in creation order. */
export async function variableIdsByWorkspace(
  db: Executor,
  workspaceIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (workspaceIds.length === 0) return out;
  const rows = await db
    .select({ id: variables.id, workspaceId: variables.workspaceId })
    .from(variables)
    .where(inArray(variables.workspaceId, [...workspaceIds]))
    .orderBy(asc(variables.createdAt), asc(variables.id));
  for (const r of rows) out.set(r.workspaceId, [...(out.get(r.workspaceId) ?? []), r.id]);
  return out;
}
