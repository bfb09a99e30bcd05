export type { VariableSetTarget } from "./apply-variable-set.ts";
export type { VariableSetDeps } from "./deps.ts";
export * from "./errors.ts";
export * from "./model.ts";
export * from "./schemas.ts";
export * from "./service.ts";
