import { assertNever, ConflictError } from "@terrapod/kernel";

/**
 * The stored content behind a state version or configuration version (TFE "backing data"): present,
 * hidden but restorable, or deleted for good.
 */
export type BackingData = "present" | "soft_deleted" | "permanently_deleted";

export type BackingDataAction = "soft_delete" | "restore" | "permanently_delete";

/** TFE's title for a refused backing-data or archive transition (go-tfe matches on it). */
export const transitionNotAllowed = "transition not allowed";

export class BackingDataTransitionError extends ConflictError {
  constructor(what: string, from: BackingData, action: BackingDataAction) {
    super(
      `the backing data of ${what} is ${from.replace(/_/g, " ")}; it cannot be ${describe(action)}`,
      { from, action },
      transitionNotAllowed,
    );
  }
}

function describe(action: BackingDataAction): string {
  switch (action) {
    case "soft_delete":
      return "soft-deleted";
    case "restore":
      return "restored";
    case "permanently_delete":
      return "permanently deleted";
    default:
      return assertNever(action);
  }
}

/**
 * The backing-data state machine: soft delete hides present data, restore brings soft-deleted data back,
 * and only soft-deleted data can be deleted for good (two deliberate steps); nothing comes back from a
 * permanent delete.
 */
export function nextBackingData(what: string, from: BackingData, action: BackingDataAction): BackingData {
  switch (action) {
    case "soft_delete":
      if (from !== "present") throw new BackingDataTransitionError(what, from, action);
      return "soft_deleted";
    case "restore":
      if (from !== "soft_deleted") throw new BackingDataTransitionError(what, from, action);
      return "present";
    case "permanently_delete":
      if (from !== "soft_deleted") throw new BackingDataTransitionError(what, from, action);
      return "permanently_deleted";
    default:
      return assertNever(action);
  }
}
