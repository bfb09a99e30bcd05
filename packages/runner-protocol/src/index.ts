export * from "./executor-api.ts";
export * from "./executor-client.ts";
export * from "./executor-loop.ts";
export * from "./executor-messages.ts";
export * from "./launcher.ts";
export * from "./runner-env.ts";
export * from "./runner-messages.ts";
