import { ConflictError, InvalidError, LockedError } from "@terrapod/kernel";

export class WorkspaceNameTakenError extends InvalidError {
  constructor(name: string) {
    super(`name ${name} has already been taken`, "name", "invalid attribute");
  }
}

/** go-tfe maps any 409 on actions/lock to "workspace already locked". */
export class WorkspaceAlreadyLockedError extends LockedError {
  constructor(id: string, holder: string) {
    super(`workspace ${id} is already locked`, { id, holder });
  }
}

export class WorkspaceNotLockedError extends ConflictError {
  constructor(id: string) {
    super(`workspace ${id} is already unlocked`, { id }, "workspace already unlocked");
  }
}

/**
 * Unlocking a workspace someone else holds. The CLI scans the text for "is locked by Run|Team|User".
 */
export class WorkspaceLockedByOtherError extends LockedError {
  constructor(id: string, by: "Run" | "User" | "Team", holderId: string) {
    super(`Unable to unlock workspace ${id}. The workspace is locked by ${by} ${holderId}.`, {
      id,
      by,
      holderId,
    });
  }
}

/** Unlocking while the holder's state upload is still pending: the CLI retries on this exact text. */
export class StateUploadPendingError extends InvalidError {
  constructor() {
    super("latest state version is still pending", undefined, "unprocessable entity");
  }
}

export class WorkspaceNotSafeToDeleteError extends ConflictError {
  constructor(reason: "locked" | "resources") {
    super(
      reason === "locked"
        ? "Workspace is currently locked. Workspace must be unlocked before it can be safely deleted"
        : "workspace cannot be safely deleted because it is still managing resources",
      { reason },
    );
  }
}
