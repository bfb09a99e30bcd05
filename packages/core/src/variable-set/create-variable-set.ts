import { isUniqueViolation, variableSets, variableSetVariables } from "@terrapod/db";
import { type Actor, InternalError, type OrganizationName } from "@terrapod/kernel";
import { organizationNamed } from "../organization/index.ts";
import { parseInput } from "../shared/validate.ts";
import { newVariableColumns, VariableKeyTakenError } from "../variable/index.ts";
import type { VariableSetDeps } from "./deps.ts";
import { VariableSetNameTakenError } from "./errors.ts";
import type { VariableSet } from "./model.ts";
import { findVariableSet, setVariableSetProjects, setVariableSetWorkspaces } from "./queries.ts";
import { CreateVariableSetInput } from "./schemas.ts";
import { projectsInOrganization, workspacesInOrganization } from "./targets.ts";

/** Creates a variable set in an organization, optionally applied to workspaces/projects and with variables. */
export async function createVariableSet(
  deps: VariableSetDeps,
  actor: Actor,
  organization: OrganizationName,
  raw: CreateVariableSetInput,
): Promise<VariableSet> {
  await deps.access.requireOrganization(actor, "varset:manage", organization);
  const input = parseInput(CreateVariableSetInput, raw);
  const seen = new Set<string>();
  for (const v of input.variables ?? []) {
    const slot = `${v.category}/${v.key}`;
    if (seen.has(slot)) throw new VariableKeyTakenError(v.key);
    seen.add(slot);
  }
  const id = deps.ids("variableSet");
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const org = await organizationNamed(tx, organization);
      await tx.insert(variableSets).values({
        id,
        organizationId: org.id,
        name: input.name,
        description: input.description ?? "",
        global: input.global ?? false,
        priority: input.priority ?? false,
        createdAt: now,
        updatedAt: now,
      });
      const workspaceIds = await workspacesInOrganization(tx, org.id, input.workspaceIds ?? []);
      await setVariableSetWorkspaces(tx, id, workspaceIds, "add");
      const projectIds = await projectsInOrganization(tx, org.id, input.projectIds ?? []);
      await setVariableSetProjects(tx, id, projectIds, "add");
      for (const v of input.variables ?? []) {
        const varId = deps.ids("variable");
        await tx.insert(variableSetVariables).values({
          id: varId,
          varsetId: id,
          ...newVariableColumns(deps.secrets, varId, v).columns,
          createdAt: now,
          updatedAt: now,
        });
      }
      const set = await findVariableSet(tx, id);
      if (!set) throw new InternalError("variable set vanished after insert");
      return set;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new VariableSetNameTakenError(input.name);
    throw err;
  }
}
