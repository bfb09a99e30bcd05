export type { EffectiveVariable, RunDeps } from "./deps.ts";
export type { ClaimedJob, LogSlice } from "./execution.ts";
export * from "./lifecycle.ts";
export * from "./model.ts";
export { CreateRunInput, ListOrganizationRunsInput, ListRunsInput, RunOperation } from "./schemas.ts";
export * from "./service.ts";
