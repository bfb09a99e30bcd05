import { isUniqueViolation, workspaces } from "@terrapod/db";
import {
  type Actor,
  InternalError,
  InvalidError,
  type OrganizationName,
  type WorkspaceId,
} from "@terrapod/kernel";
import { organizationNamed } from "../organization/index.ts";
import { ensureDefaultProject, findProjectInOrganization } from "../project/index.ts";
import { parseInput } from "../shared/validate.ts";
import { attachTags, ensureTags } from "../tag/index.ts";
import type { WorkspaceDeps } from "./deps.ts";
import { WorkspaceNameTakenError } from "./errors.ts";
import type { Workspace } from "./model.ts";
import { findWorkspaceById } from "./queries.ts";
import { CreateWorkspaceInput } from "./schemas.ts";
import { checkDestroySettings, executionModeOnCreate } from "./settings.ts";

export async function createWorkspace(
  deps: WorkspaceDeps,
  actor: Actor,
  organization: OrganizationName,
  raw: CreateWorkspaceInput,
): Promise<Workspace> {
  await deps.access.requireOrganization(actor, "workspace:create", organization);
  const input = parseInput(CreateWorkspaceInput, raw);
  const now = deps.clock.now();
  const id = deps.ids("workspace") as WorkspaceId;
  try {
    return await deps.db.transaction(async (tx) => {
      const org = await organizationNamed(tx, organization);
      let projectId: string;
      if (input.projectId) {
        const project = await findProjectInOrganization(tx, org.id, input.projectId);
        if (!project) throw new InvalidError(`project ${input.projectId} not found`, "projectId");
        projectId = project.id;
      } else {
        projectId = await ensureDefaultProject(tx, deps.ids, org.id, now);
      }
      const { tagNames, projectId: _p, workingDirectory, executionModeInherited: _i, ...fields } = input;
      const mode = executionModeOnCreate(input, org.defaultExecutionMode);
      checkDestroySettings({
        allowDestroyPlan: input.allowDestroyPlan ?? true,
        autoDestroyAt: input.autoDestroyAt ?? null,
        executionMode: mode.effective,
      });
      await tx.insert(workspaces).values({
        ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
        id,
        name: input.name,
        organizationId: org.id,
        projectId,
        ...mode.changes,
        workingDirectory: workingDirectory ?? "",
        createdAt: now,
        updatedAt: now,
      });
      await attachTags(tx, id, await ensureTags(tx, deps.ids, org.id, tagNames ?? [], now));
      const ws = await findWorkspaceById(tx, id);
      if (!ws) throw new InternalError("workspace vanished after insert");
      return ws;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new WorkspaceNameTakenError(input.name);
    throw err;
  }
}
