export type { ProjectDeps } from "./deps.ts";
export * from "./errors.ts";
export * from "./model.ts";
export { projectFor } from "./project-access.ts";
export { ensureDefaultProject, findProjectInOrganization } from "./queries.ts";
export * from "./schemas.ts";
export * from "./service.ts";
