import { ConflictError, InvalidError } from "@terrapod/kernel";

export class StateSerialConflictError extends ConflictError {
  constructor(serial: number, current: number) {
    super(
      `serial ${serial} must be greater than the current state's serial ${current}`,
      { serial, current },
      "serial conflict",
    );
  }
}

export class StateLineageConflictError extends ConflictError {
  constructor(lineage: string, current: string) {
    super(
      `lineage ${lineage} does not match the current state's lineage ${current}`,
      { lineage, current },
      "lineage conflict",
    );
  }
}

export class StateLockRequiredError extends ConflictError {
  constructor(workspaceId: string) {
    super(
      `workspace ${workspaceId} must be locked by the caller to create a state version`,
      { workspaceId },
      "workspace not locked",
    );
  }
}

export class StateMd5MismatchError extends InvalidError {
  constructor(expected: string, actual: string) {
    super(
      `the uploaded state's MD5 ${actual} does not match the declared md5 ${expected}`,
      "md5",
      "md5 mismatch",
    );
  }
}

export class StateAlreadyUploadedError extends ConflictError {
  constructor(id: string, status: string) {
    super(`state version ${id} is ${status}; its content cannot be uploaded again`, { id, status });
  }
}
