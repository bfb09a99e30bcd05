import { InvalidError } from "@terrapod/kernel";
import type { ExecutionMode } from "../shared/types.ts";

/** The settings an auto-destroy schedule depends on, as they will be once a create or update is done. */
export type DestroySettings = {
  readonly allowDestroyPlan: boolean;
  readonly autoDestroyAt: Date | null;
  readonly executionMode: ExecutionMode;
};

/**
 * An auto-destroy run is a destroy plan that Terrapod executes itself: it can be scheduled only where
 * destroy plans are allowed and runs execute remotely.
 */
export function checkDestroySettings(s: DestroySettings): void {
  if (s.autoDestroyAt === null) return;
  if (!s.allowDestroyPlan) {
    throw new InvalidError(
      "autoDestroyAt: an auto-destroy run cannot be scheduled while allow-destroy-plan is false",
      "autoDestroyAt",
    );
  }
  if (s.executionMode !== "remote") {
    throw new InvalidError(
      `autoDestroyAt: an auto-destroy run needs remote execution; the workspace uses ${s.executionMode} execution`,
      "autoDestroyAt",
    );
  }
}
