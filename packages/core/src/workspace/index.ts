export type { WorkspaceDeps } from "./deps.ts";
export * from "./errors.ts";
export * from "./model.ts";
export { findWorkspaceById, findWorkspaceForUpdate } from "./queries.ts";
export * from "./schemas.ts";
export * from "./service.ts";
export { TagRefsInput } from "./workspace-tags.ts";
