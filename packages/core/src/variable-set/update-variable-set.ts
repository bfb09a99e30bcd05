import { isUniqueViolation, variableSets } from "@terrapod/db";
import { type Actor, InternalError } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { parseInput } from "../shared/validate.ts";
import type { VariableSetDeps } from "./deps.ts";
import { VariableSetNameTakenError } from "./errors.ts";
import type { VariableSet } from "./model.ts";
import { findVariableSet, setVariableSetProjects, setVariableSetWorkspaces } from "./queries.ts";
import { UpdateVariableSetInput } from "./schemas.ts";
import { projectsInOrganization, workspacesInOrganization } from "./targets.ts";
import { variableSetFor } from "./variable-set-access.ts";

/**
 * Updates a set's attributes. `workspaceIds` / `projectIds`, when given, replace its assignments (go-tfe
 * `UpdateWorkspaces`).
 */
export async function updateVariableSet(
  deps: VariableSetDeps,
  actor: Actor,
  id: string,
  raw: UpdateVariableSetInput,
): Promise<VariableSet> {
  let name: string | undefined;
  try {
    return await deps.db.transaction(async (tx) => {
      const current = await variableSetFor(deps, actor, "varset:manage", id, { tx, lock: true });
      const input = parseInput(UpdateVariableSetInput, raw);
      name = input.name;
      const { workspaceIds, projectIds, description, ...flags } = input;
      const changes: Record<string, unknown> = Object.fromEntries(
        Object.entries(flags).filter(([, v]) => v !== undefined),
      );
      if (description !== undefined) changes.description = description ?? "";
      await tx
        .update(variableSets)
        .set({ ...changes, updatedAt: deps.clock.now() })
        .where(eq(variableSets.id, current.id));
      if (workspaceIds !== undefined) {
        const ids = await workspacesInOrganization(tx, current.organizationId, workspaceIds);
        await setVariableSetWorkspaces(tx, current.id, ids, "replace");
      }
      if (projectIds !== undefined) {
        const ids = await projectsInOrganization(tx, current.organizationId, projectIds);
        await setVariableSetProjects(tx, current.id, ids, "replace");
      }
      const set = await findVariableSet(tx, current.id);
      if (!set) throw new InternalError("variable set vanished during update");
      return set;
    });
  } catch (err) {
    if (isUniqueViolation(err) && name !== undefined) throw new VariableSetNameTakenError(name);
    throw err;
  }
}
