export type { WorkspaceDeps } from "./deps.ts";
export * from "./errors.ts";
export * from "./model.ts";
export { findWorkspaceById, findWorkspaceForUpdate, lockForRun, releaseRunLock } from "./queries.ts";
export * from "./schemas.ts";
export * from "./service.ts";
export { workspaceByNameFor, workspaceFor } from "./workspace-access.ts";
export { TagRefsInput } from "./workspace-tags.ts";
