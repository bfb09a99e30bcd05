export type { OrganizationDeps } from "./deps.ts";
export * from "./errors.ts";
export * from "./model.ts";
export { organizationFor } from "./organization-access.ts";
export { findOrganizationByName, organizationNamed } from "./queries.ts";
export * from "./schemas.ts";
export * from "./service.ts";
