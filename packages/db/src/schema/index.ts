// One file per core domain (`packages/core/src/<domain>`); this module is the whole public schema.
export * from "./configuration-versions.ts";
export * from "./organizations.ts";
export * from "./projects.ts";
export * from "./runs.ts";
export * from "./state-versions.ts";
export * from "./tags.ts";
export * from "./users.ts";
export * from "./variable-sets.ts";
export * from "./variables.ts";
export * from "./workspaces.ts";
