export * from "./model.ts";
export * from "./policy.ts";
