import type { Executor } from "@terrapod/db";
import { currentConfigurationVersionIds, hasUnfinishedRunOn } from "./queries.ts";

/**
 * Why a configuration version must be kept as it is: it is the workspace's current configuration, or a
 * run that has not finished uses it. Undefined when neither holds.
 */
export async function configurationInUse(
  db: Executor,
  workspaceId: string,
  id: string,
): Promise<"current" | "unfinished-run" | undefined> {
  if ((await currentConfigurationVersionIds(db, [workspaceId])).get(workspaceId) === id) return "current";
  if (await hasUnfinishedRunOn(db, id)) return "unfinished-run";
  return undefined;
}
