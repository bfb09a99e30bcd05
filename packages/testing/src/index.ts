export * from "./config.ts";
export * from "./db.ts";
