export * from "./authenticator.ts";
export * from "./capability.ts";
export * from "./job-token.ts";
