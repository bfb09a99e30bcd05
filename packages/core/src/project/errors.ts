import { ConflictError, InvalidError } from "@terrapod/kernel";

export class ProjectNameTakenError extends InvalidError {
  constructor(name: string) {
    super(`Name has already been taken: the organization already has a project named "${name}"`, "name");
  }
}

export class DefaultProjectDeletionError extends InvalidError {
  constructor(id: string) {
    super(
      `project ${id} is the organization's default project and cannot be deleted`,
      undefined,
      "invalid project",
    );
  }
}

export class ProjectNotEmptyError extends ConflictError {
  constructor(id: string, workspaceCount?: number) {
    const what =
      workspaceCount === undefined
        ? "workspaces"
        : workspaceCount === 1
          ? "1 workspace"
          : `${workspaceCount} workspaces`;
    super(
      `project ${id} still contains ${what}; move or delete them before deleting the project`,
      workspaceCount === undefined ? { id } : { id, workspaceCount },
      "project not empty",
    );
  }
}
