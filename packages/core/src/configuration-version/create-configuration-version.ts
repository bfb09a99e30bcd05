import { configurationVersions } from "@terrapod/db";
import { type Actor, type ConfigurationVersionId, InternalError } from "@terrapod/kernel";
import { z } from "zod";
import { parseInput } from "../shared/validate.ts";
import { workspaceFor } from "../workspace/index.ts";
import type { ConfigurationVersionDeps } from "./deps.ts";
import type { ConfigurationVersion } from "./model.ts";
import { findConfigurationVersion } from "./queries.ts";

export const CreateConfigurationVersionInput = z.strictObject({
  autoQueueRuns: z.boolean().optional(),
  speculative: z.boolean().optional(),
  provisional: z.boolean().optional(),
});
export type CreateConfigurationVersionInput = z.input<typeof CreateConfigurationVersionInput>;

/** A pending configuration version awaiting its archive at the upload capability URL. */
export async function createConfigurationVersion(
  deps: ConfigurationVersionDeps,
  actor: Actor,
  workspaceId: string,
  raw: CreateConfigurationVersionInput,
): Promise<ConfigurationVersion> {
  const input = parseInput(CreateConfigurationVersionInput, raw);
  const ws = await workspaceFor(deps, actor, "run:plan", workspaceId);
  const id = deps.ids("configurationVersion") as ConfigurationVersionId;
  await deps.db.insert(configurationVersions).values({
    id,
    workspaceId: ws.id,
    status: "pending",
    autoQueueRuns: input.autoQueueRuns ?? true,
    speculative: input.speculative ?? false,
    provisional: input.provisional ?? false,
    createdAt: deps.clock.now(),
  });
  const cv = await findConfigurationVersion(deps.db, id);
  if (!cv) throw new InternalError("configuration version vanished after insert");
  return cv;
}
