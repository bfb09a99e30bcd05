export * from "./bootstrap-site.ts";
