import type { Services } from "@terrapod/core";
import type { Logger } from "./logger.ts";
import type { Subsystem } from "./subsystems.ts";

/** How often workspaces whose `auto-destroy-at` has come are looked for. */
const autoDestroyEveryMs = 30_000;

/**
 * Queues the auto-applied destroy run of every workspace whose `auto-destroy-at` has come (TFE's
 * scheduled auto-destroy), once per site; a schedule whose run cannot be queued is reported and ends.
 */
export function autoDestroySweeper(deps: { services: Pick<Services, "runs">; log: Logger }): Subsystem {
  return {
    name: "auto-destroy",
    intervalMs: autoDestroyEveryMs,
    exclusive: true,
    async tick() {
      for (const o of await deps.services.runs.queueDueAutoDestroys()) {
        const at = { workspaceId: o.workspaceId, scheduledFor: o.scheduledFor.toISOString() };
        if (o.runId) deps.log.info({ ...at, runId: o.runId }, "queued an auto-destroy run");
        else deps.log.warn({ ...at, reason: o.error }, "auto-destroy could not queue its run");
      }
    },
  };
}
