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

type ExecutionModeInput = {
  readonly executionMode?: ExecutionMode | undefined;
  readonly executionModeInherited?: boolean | undefined;
};

/** Stored execution mode fields, and the mode runs will use. */
export type ExecutionModeFields = {
  readonly changes: { executionMode?: ExecutionMode; executionModeInherited?: boolean };
  readonly effective: ExecutionMode;
};

function refuseBoth(input: ExecutionModeInput): void {
  if (input.executionModeInherited === true && input.executionMode !== undefined) {
    throw new InvalidError(
      "executionMode: cannot be set while setting-overwrites says the workspace follows its organization's default",
      "executionMode",
    );
  }
}

/**
 * A new workspace follows its organization's default execution mode unless it is given one (TFE's
 * `setting-overwrites`): asking for both is refused.
 */
export function executionModeOnCreate(
  input: ExecutionModeInput,
  orgDefault: ExecutionMode,
): ExecutionModeFields {
  refuseBoth(input);
  const inherited = input.executionModeInherited ?? input.executionMode === undefined;
  const own = input.executionMode ?? orgDefault;
  return { changes: { executionMode: own, executionModeInherited: inherited }, effective: own };
}

/**
 * An update: giving a mode makes it the workspace's own; `executionModeInherited` true follows the
 * default again (`orgDefault`), false keeps the mode in use as the workspace's own.
 */
export function executionModeOnUpdate(
  input: ExecutionModeInput,
  current: { readonly executionMode: ExecutionMode },
  orgDefault: ExecutionMode,
): ExecutionModeFields {
  refuseBoth(input);
  if (input.executionModeInherited === true) {
    return { changes: { executionModeInherited: true }, effective: orgDefault };
  }
  if (input.executionMode !== undefined) {
    return {
      changes: { executionMode: input.executionMode, executionModeInherited: false },
      effective: input.executionMode,
    };
  }
  if (input.executionModeInherited === false) {
    return {
      changes: { executionMode: current.executionMode, executionModeInherited: false },
      effective: current.executionMode,
    };
  }
  return { changes: {}, effective: current.executionMode };
}
