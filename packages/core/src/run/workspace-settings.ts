import { InvalidError } from "@terrapod/kernel";
import type { Workspace } from "../workspace/index.ts";

/**
 * The workspace's own run settings: `allow-destroy-plan` off refuses destroy runs, `speculative-enabled`
 * off refuses speculative plans (plan-only runs and runs on speculative configuration versions).
 */
export function checkWorkspaceAllows(
  ws: Pick<Workspace, "name" | "allowDestroyPlan" | "speculativeEnabled">,
  run: { isDestroy: boolean; speculative: boolean; planOnly?: boolean | undefined },
): void {
  if (run.isDestroy && !ws.allowDestroyPlan) {
    throw new InvalidError(
      `isDestroy: destroy plans are not allowed on workspace ${ws.name}: its allow-destroy-plan setting is false`,
      "isDestroy",
      "destroy plans not allowed",
    );
  }
  if (run.speculative && !ws.speculativeEnabled) {
    const pointer = run.planOnly ? "planOnly" : "/data/relationships/configuration-version";
    throw new InvalidError(
      `${run.planOnly ? "planOnly: " : ""}speculative plans are not allowed on workspace ${ws.name}: its speculative-enabled setting is false`,
      pointer,
      "speculative plans not allowed",
    );
  }
}
