import { users } from "@terrapod/db";
import { type Actor, ForbiddenError, type UserId } from "@terrapod/kernel";
import { inArray } from "drizzle-orm";
import type { CoreDeps } from "../shared/deps.ts";
import type { UserProfile } from "./model.ts";

/**
 * Profiles of users the caller came across (a run's `created-by`, `confirmed-by`), by id; unknown ids are
 * absent from the map. Any principal may see usernames; the email only to the user themself and admins.
 */
export async function getUserProfiles(
  deps: CoreDeps,
  actor: Actor,
  ids: readonly string[],
): Promise<Map<string, UserProfile>> {
  if (actor.kind === "capability") throw new ForbiddenError("a capability URL cannot read users");
  const map = new Map<string, UserProfile>();
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return map;
  const rows = await deps.db
    .select({ id: users.id, username: users.username, email: users.email, siteAdmin: users.siteAdmin })
    .from(users)
    .where(inArray(users.id, wanted));
  const admin = actor.kind === "system" || (actor.kind === "user" && actor.siteAdmin);
  for (const r of rows) {
    const self = actor.kind === "user" && actor.userId === r.id;
    map.set(r.id, {
      id: r.id as UserId,
      username: r.username,
      email: self || admin ? r.email : undefined,
      siteAdmin: r.siteAdmin,
    });
  }
  return map;
}
