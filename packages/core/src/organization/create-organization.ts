import { isUniqueViolation, organizations } from "@terrapod/db";
import type { Actor, OrganizationId, OrganizationName } from "@terrapod/kernel";
import { parseInput } from "../shared/validate.ts";
import type { OrganizationDeps } from "./deps.ts";
import { OrganizationNameTakenError } from "./errors.ts";
import type { Organization } from "./model.ts";
import { toOrganization } from "./queries.ts";
import { CreateOrganizationInput } from "./schemas.ts";

export async function createOrganization(
  deps: OrganizationDeps,
  actor: Actor,
  raw: CreateOrganizationInput,
): Promise<Organization> {
  deps.access.requireSite(actor, "organization:create");
  const {
    userTokensEnabled: _alwaysEnabled,
    costEstimationEnabled: _noCostEstimation,
    ...input
  } = parseInput(CreateOrganizationInput, raw);
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(organizations)
        .values({
          ...stripUndefined(input),
          id: deps.ids("organization") as OrganizationId,
          name: input.name as OrganizationName,
          email: input.email,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new Error("insert returned no row");
      return toOrganization(row, await deps.projects.ensureDefault(tx, row.id, now));
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new OrganizationNameTakenError(input.name);
    throw err;
  }
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
