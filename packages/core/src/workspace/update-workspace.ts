import { isUniqueViolation, workspaces } from "@terrapod/db";
import { type Actor, InternalError, InvalidError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { findOrganizationByName } from "../organization/index.ts";
import { findProjectInOrganization } from "../project/index.ts";
import { parseInput } from "../shared/validate.ts";
import type { WorkspaceDeps } from "./deps.ts";
import { WorkspaceNameTakenError } from "./errors.ts";
import type { Workspace } from "./model.ts";
import { findWorkspaceById } from "./queries.ts";
import { UpdateWorkspaceInput } from "./schemas.ts";
import { checkDestroySettings, executionModeOnUpdate } from "./settings.ts";
import { workspaceFor } from "./workspace-access.ts";

export async function updateWorkspace(
  deps: WorkspaceDeps,
  actor: Actor,
  id: string,
  raw: UpdateWorkspaceInput,
): Promise<Workspace> {
  const input = parseInput(UpdateWorkspaceInput, raw);
  try {
    return await deps.db.transaction(async (tx) => {
      const current = await workspaceFor(deps, actor, "workspace:update", id, { tx, lock: true });
      if (input.projectId && input.projectId !== current.projectId) {
        const project = await findProjectInOrganization(tx, current.organizationId, input.projectId);
        if (!project) throw new InvalidError(`project ${input.projectId} not found`, "projectId");
      }
      const orgDefault = input.executionModeInherited
        ? ((await findOrganizationByName(tx, current.organization))?.defaultExecutionMode ?? "remote")
        : current.executionMode;
      const mode = executionModeOnUpdate(input, current, orgDefault);
      checkDestroySettings({
        allowDestroyPlan: input.allowDestroyPlan ?? current.allowDestroyPlan,
        autoDestroyAt: input.autoDestroyAt === undefined ? current.autoDestroyAt : input.autoDestroyAt,
        executionMode: mode.effective,
      });
      const {
        tagNames: _t,
        workingDirectory,
        executionMode: _m,
        executionModeInherited: _i,
        ...fields
      } = input;
      const changes: Record<string, unknown> = {
        ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
        ...mode.changes,
      };
      if (workingDirectory !== undefined) changes.workingDirectory = workingDirectory ?? "";
      await tx
        .update(workspaces)
        .set({ ...changes, updatedAt: deps.clock.now() })
        .where(eq(workspaces.id, current.id));
      const ws = await findWorkspaceById(tx, current.id);
      if (!ws) throw new InternalError("workspace vanished during update");
      return ws;
    });
  } catch (err) {
    if (isUniqueViolation(err) && input.name) throw new WorkspaceNameTakenError(input.name);
    throw err;
  }
}
