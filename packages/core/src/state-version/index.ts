export { CreateStateVersionInput } from "./create-state-version.ts";
export type { SecretSealer, StateBlobs, StateVersionDeps } from "./deps.ts";
export * from "./errors.ts";
export * from "./model.ts";
export * from "./service.ts";
export type { ResourceSummary, StateFacts } from "./state-file.ts";
export { createStateScanner, scanState } from "./state-file.ts";
export { stateVersionFor } from "./state-version-access.ts";
export type { WorkspaceResource } from "./workspace-resources.ts";
