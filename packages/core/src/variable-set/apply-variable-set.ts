import type { Actor } from "@terrapod/kernel";
import { parseInput } from "../shared/validate.ts";
import type { VariableSetDeps } from "./deps.ts";
import {
  removeVariableSetProjects,
  removeVariableSetWorkspaces,
  setVariableSetProjects,
  setVariableSetWorkspaces,
} from "./queries.ts";
import { VariableSetTargetsInput } from "./schemas.ts";
import { projectsInOrganization, workspacesInOrganization } from "./targets.ts";
import { variableSetFor } from "./variable-set-access.ts";

export type VariableSetTarget = "workspaces" | "projects";

/**
 * Applies a set to more workspaces or projects (already applied ones are kept). Every target must be in
 * the set's organization; others are NotFound.
 */
export async function applyVariableSet(
  deps: VariableSetDeps,
  actor: Actor,
  id: string,
  target: VariableSetTarget,
  rawIds: readonly string[],
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const set = await variableSetFor(deps, actor, "varset:manage", id, { tx, lock: true });
    const ids = parseInput(VariableSetTargetsInput, rawIds);
    if (target === "workspaces") {
      await setVariableSetWorkspaces(
        tx,
        set.id,
        await workspacesInOrganization(tx, set.organizationId, ids),
        "add",
      );
    } else {
      await setVariableSetProjects(
        tx,
        set.id,
        await projectsInOrganization(tx, set.organizationId, ids),
        "add",
      );
    }
  });
}

/** Removes a set from workspaces or projects; targets it was not applied to are ignored. */
export async function removeVariableSet(
  deps: VariableSetDeps,
  actor: Actor,
  id: string,
  target: VariableSetTarget,
  rawIds: readonly string[],
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const set = await variableSetFor(deps, actor, "varset:manage", id, { tx, lock: true });
    const ids = parseInput(VariableSetTargetsInput, rawIds);
    if (target === "workspaces") {
      await removeVariableSetWorkspaces(
        tx,
        set.id,
        await workspacesInOrganization(tx, set.organizationId, ids),
      );
    } else {
      await removeVariableSetProjects(tx, set.id, await projectsInOrganization(tx, set.organizationId, ids));
    }
  });
}
