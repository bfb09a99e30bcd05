import { type Actor, NotFoundError } from "@terrapod/kernel";
import type { LoadOptions } from "../shared/load-options.ts";
import type { VariableSetDeps } from "./deps.ts";
import type { VariableSet } from "./model.ts";
import { findVariableSet, findVariableSetForUpdate } from "./queries.ts";

/**
 * Loads a variable set and checks the actor may read (`varset:read`) or manage (`varset:manage`) the sets
 * of its organization. A set of an organization the actor cannot see is NotFound, like a missing one,
 * and the error names the set, not the organization; ForbiddenError when the organization is visible but
 * the action is not allowed. `lock` row-locks the set for the rest of the transaction.
 */
export async function variableSetFor(
  deps: Pick<VariableSetDeps, "db" | "access">,
  actor: Actor,
  action: "varset:read" | "varset:manage",
  id: string,
  opts?: LoadOptions,
): Promise<VariableSet> {
  const db = opts?.tx ?? deps.db;
  const set = opts?.lock ? await findVariableSetForUpdate(db, id) : await findVariableSet(db, id);
  if (!set) throw new NotFoundError("variable set", id);
  try {
    await deps.access.requireOrganization(actor, action, set.organization);
  } catch (err) {
    if (err instanceof NotFoundError) throw new NotFoundError("variable set", id);
    throw err;
  }
  return set;
}
