export * from "./archive.ts";
export * from "./messages.ts";
