export type { TagDeps } from "./deps.ts";
export * from "./model.ts";
export * from "./service.ts";
