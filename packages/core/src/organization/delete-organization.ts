import { organizations } from "@terrapod/db";
import { type Actor, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import type { OrganizationDeps } from "./deps.ts";

/** Deletes an organization and, through foreign keys, everything in it. */
export async function deleteOrganization(
  deps: OrganizationDeps,
  actor: Actor,
  name: OrganizationName,
): Promise<void> {
  await deps.access.requireOrganization(actor, "organization:delete", name);
  const deleted = await deps.db
    .delete(organizations)
    .where(eq(organizations.name, name))
    .returning({ id: organizations.id });
  if (deleted.length === 0) throw new NotFoundError("organization", name);
}
