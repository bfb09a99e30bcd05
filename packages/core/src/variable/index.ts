export type { VariableDeps } from "./deps.ts";
export * from "./errors.ts";
export type { VariableWorkspaceRef } from "./list-variables.ts";
export * from "./model.ts";
export * from "./precedence.ts";
export type { ResolvedRunVariables, RunVariableValue } from "./resolve-variables-for-run.ts";
export { resolveVariablesForRun } from "./resolve-variables-for-run.ts";
export * from "./schemas.ts";
export * from "./service.ts";
