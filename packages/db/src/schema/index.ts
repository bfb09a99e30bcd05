export * from "./organizations.ts";
export * from "./runs.ts";
export * from "./users.ts";
export * from "./variables.ts";
export * from "./workspaces.ts";
