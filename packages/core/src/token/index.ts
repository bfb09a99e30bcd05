export * from "./model.ts";
export * from "./resolve-token.ts";
export * from "./secret.ts";
