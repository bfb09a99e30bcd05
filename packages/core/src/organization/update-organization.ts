import { isUniqueViolation, organizations } from "@terrapod/db";
import { type Actor, NotFoundError, type OrganizationName } from "@terrapod/kernel";
import { eq } from "drizzle-orm";
import { parseInput } from "../shared/validate.ts";
import type { OrganizationDeps } from "./deps.ts";
import { OrganizationNameTakenError } from "./errors.ts";
import type { Organization } from "./model.ts";
import { findOrganizationById } from "./queries.ts";
import { UpdateOrganizationInput } from "./schemas.ts";

export async function updateOrganization(
  deps: OrganizationDeps,
  actor: Actor,
  name: OrganizationName,
  raw: UpdateOrganizationInput,
): Promise<Organization> {
  await deps.access.requireOrganization(actor, "organization:update", name);
  const {
    userTokensEnabled: _alwaysEnabled,
    costEstimationEnabled: _noCostEstimation,
    ...input
  } = parseInput(UpdateOrganizationInput, raw);
  const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  try {
    const [row] = await deps.db
      .update(organizations)
      .set({ ...changes, updatedAt: deps.clock.now() })
      .where(eq(organizations.name, name))
      .returning({ id: organizations.id });
    if (!row) throw new NotFoundError("organization", name);
    const org = await findOrganizationById(deps.db, row.id);
    if (!org) throw new NotFoundError("organization", name);
    return org;
  } catch (err) {
    if (isUniqueViolation(err) && input.name) throw new OrganizationNameTakenError(input.name);
    throw err;
  }
}
