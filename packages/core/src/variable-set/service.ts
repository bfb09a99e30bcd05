import type { Actor, OrganizationName, PageRequest } from "@terrapod/kernel";
import type { CreateVariableInput, UpdateVariableInput } from "../variable/index.ts";
import { applyVariableSet, removeVariableSet, type VariableSetTarget } from "./apply-variable-set.ts";
import { createSetVariable } from "./create-set-variable.ts";
import { createVariableSet } from "./create-variable-set.ts";
import { deleteSetVariable } from "./delete-set-variable.ts";
import { deleteVariableSet } from "./delete-variable-set.ts";
import type { VariableSetDeps } from "./deps.ts";
import { getSetVariable } from "./get-set-variable.ts";
import { getVariableSet } from "./get-variable-set.ts";
import { listProjectVariableSets } from "./list-project-variable-sets.ts";
import { listSetVariables } from "./list-set-variables.ts";
import { listSetsReachingWorkspace } from "./list-sets-reaching-workspace.ts";
import { listVariableSets } from "./list-variable-sets.ts";
import { listWorkspaceVariableSets } from "./list-workspace-variable-sets.ts";
import type { CreateVariableSetInput, ListVariableSetsInput, UpdateVariableSetInput } from "./schemas.ts";
import { updateSetVariable } from "./update-set-variable.ts";
import { updateVariableSet } from "./update-variable-set.ts";

export function createVariableSetService(deps: VariableSetDeps) {
  return {
    list: (actor: Actor, organization: OrganizationName, input: ListVariableSetsInput, page: PageRequest) =>
      listVariableSets(deps, actor, organization, input, page),
    listForWorkspace: (actor: Actor, workspaceId: string, input: ListVariableSetsInput, page: PageRequest) =>
      listWorkspaceVariableSets(deps, actor, workspaceId, input, page),
    listForProject: (actor: Actor, projectId: string, input: ListVariableSetsInput, page: PageRequest) =>
      listProjectVariableSets(deps, actor, projectId, input, page),
    create: (actor: Actor, organization: OrganizationName, input: CreateVariableSetInput) =>
      createVariableSet(deps, actor, organization, input),
    get: (actor: Actor, id: string) => getVariableSet(deps, actor, id),
    update: (actor: Actor, id: string, input: UpdateVariableSetInput) =>
      updateVariableSet(deps, actor, id, input),
    delete: (actor: Actor, id: string) => deleteVariableSet(deps, actor, id),
    apply: (actor: Actor, id: string, target: VariableSetTarget, ids: readonly string[]) =>
      applyVariableSet(deps, actor, id, target, ids),
    remove: (actor: Actor, id: string, target: VariableSetTarget, ids: readonly string[]) =>
      removeVariableSet(deps, actor, id, target, ids),
    /** For the variable domain (precedence): the sets that reach a workspace, with their variables; no access check. */
    reaching: (ws: { readonly id: string; readonly organizationId: string; readonly projectId: string }) =>
      listSetsReachingWorkspace(deps, ws),
    variables: {
      list: (actor: Actor, varsetId: string) => listSetVariables(deps, actor, varsetId),
      create: (actor: Actor, varsetId: string, input: CreateVariableInput) =>
        createSetVariable(deps, actor, varsetId, input),
      get: (actor: Actor, varsetId: string, variableId: string) =>
        getSetVariable(deps, actor, varsetId, variableId),
      update: (actor: Actor, varsetId: string, variableId: string, input: UpdateVariableInput) =>
        updateSetVariable(deps, actor, varsetId, variableId, input),
      delete: (actor: Actor, varsetId: string, variableId: string) =>
        deleteSetVariable(deps, actor, varsetId, variableId),
    },
  };
}

export type VariableSetService = ReturnType<typeof createVariableSetService>;
