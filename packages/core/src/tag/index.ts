export type { TagDeps } from "./deps.ts";
export * from "./model.ts";
export { attachTags, detachTags, ensureTags, findTagIds } from "./queries.ts";
export * from "./service.ts";
