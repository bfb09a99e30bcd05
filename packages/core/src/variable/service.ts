import type { Actor } from "@terrapod/kernel";
import type { WorkspaceSubject } from "../access/index.ts";
import { createVariable } from "./create-variable.ts";
import { deleteVariable } from "./delete-variable.ts";
import type { VariableDeps } from "./deps.ts";
import { getVariable } from "./get-variable.ts";
import { listEffectiveVariables } from "./list-effective-variables.ts";
import { listVariableIds } from "./list-variable-ids.ts";
import { listVariables, type VariableWorkspaceRef } from "./list-variables.ts";
import type { VariableRef } from "./model.ts";
import { resolveVariablesForRun } from "./resolve-variables-for-run.ts";
import type { CreateVariableInput, RunVariablesInput, UpdateVariableInput } from "./schemas.ts";
import { updateVariable } from "./update-variable.ts";

export function createVariableService(deps: VariableDeps) {
  return {
    list: (actor: Actor, ref: VariableWorkspaceRef) => listVariables(deps, actor, ref),
    create: (actor: Actor, workspaceId: string, input: CreateVariableInput) =>
      createVariable(deps, actor, workspaceId, input),
    get: (actor: Actor, ref: VariableRef) => getVariable(deps, actor, ref),
    update: (actor: Actor, ref: VariableRef, input: UpdateVariableInput) =>
      updateVariable(deps, actor, ref, input),
    delete: (actor: Actor, ref: VariableRef) => deleteVariable(deps, actor, ref),
    /** Workspace plus inherited variables after precedence (TFE `all-vars`). */
    listEffective: (actor: Actor, workspaceId: string) => listEffectiveVariables(deps, actor, workspaceId),
    /** For workspace documents: each workspace's variable ids. */
    idsByWorkspace: (actor: Actor, workspaces: readonly WorkspaceSubject[]) =>
      listVariableIds(deps, actor, workspaces),
    /** For the run machinery only: decrypted effective variables, no access check. */
    resolveForRun: (workspaceId: string, runVariables: RunVariablesInput) =>
      resolveVariablesForRun(deps, workspaceId, runVariables),
  };
}

export type VariableService = ReturnType<typeof createVariableService>;
