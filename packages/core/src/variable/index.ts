export type { InheritedVariableSet, VariableDeps } from "./deps.ts";
export * from "./errors.ts";
export type { VariableWorkspaceRef } from "./list-variables.ts";
export * from "./model.ts";
export * from "./precedence.ts";
export type { ResolvedRunVariables, RunVariableValue } from "./resolve-variables-for-run.ts";
export { resolveVariablesForRun } from "./resolve-variables-for-run.ts";
export * from "./schemas.ts";
export * from "./service.ts";
/** Storage shared with variable-set variables, which are sealed and versioned alike. */
export { changedVariableColumns, newVariableColumns, type StoredVariable, toVariable } from "./stored.ts";
