export { configurationVersionFor } from "./configuration-version-access.ts";
export { CreateConfigurationVersionInput } from "./create-configuration-version.ts";
export type { ConfigurationVersionDeps } from "./deps.ts";
export * from "./model.ts";
export { findConfigurationVersion } from "./queries.ts";
export * from "./service.ts";
