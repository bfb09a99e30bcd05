export type { ProjectDeps } from "./deps.ts";
export * from "./errors.ts";
export * from "./model.ts";
export * from "./schemas.ts";
export * from "./service.ts";
