import type { Executor } from "@terrapod/db";
import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { VariableSetDeps } from "./deps.ts";
import type { VariableSet } from "./model.ts";
import { findVariableSet, findVariableSetForUpdate } from "./queries.ts";

/**
 * Loads a variable set and checks the actor may read (`varset:read`) or manage (`varset:manage`) the sets
 * of its organization. A set of an organization the actor cannot see is NotFound, like a missing one,
 * and the error names the set, not the organization.
 */
export async function variableSetFor(
  deps: VariableSetDeps,
  db: Executor,
  actor: Actor,
  id: string,
  action: "varset:read" | "varset:manage",
  opts: { lock?: boolean } = {},
): Promise<VariableSet> {
  const set = opts.lock ? await findVariableSetForUpdate(db, id) : await findVariableSet(db, id);
  if (!set) throw new NotFoundError("variable set", id);
  try {
    await deps.access.requireOrganization(actor, action, set.organization);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("variable set", id);
    throw err;
  }
  return set;
}
