import { organizations, tokens, users } from "@terrapod/db";
import type { OrganizationName, TokenId, UserId } from "@terrapod/kernel";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { CoreDeps } from "../shared/deps.ts";
import type { ResolvedToken } from "./model.ts";
import { hashToken } from "./secret.ts";

/** How stale `last_used_at` may get before a request refreshes it (avoids a write per request). */
const lastUsedResolutionMs = 60_000;

/** Finds the live token with this secret; undefined when unknown or expired. */
export async function resolveToken(deps: CoreDeps, secret: string): Promise<ResolvedToken | undefined> {
  const now = deps.clock.now();
  const [row] = await deps.db
    .select({ token: tokens, user: users, orgName: organizations.name })
    .from(tokens)
    .leftJoin(users, eq(users.id, tokens.userId))
    .leftJoin(organizations, eq(organizations.id, tokens.organizationId))
    .where(eq(tokens.tokenHash, hashToken(secret)))
    .limit(1);
  if (!row) return undefined;
  if (row.token.expiresAt && row.token.expiresAt <= now) return undefined;
  const last = row.token.lastUsedAt?.getTime() ?? 0;
  if (now.getTime() - last > lastUsedResolutionMs) {
    await deps.db
      .update(tokens)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(tokens.id, row.token.id),
          or(
            isNull(tokens.lastUsedAt),
            lt(tokens.lastUsedAt, new Date(now.getTime() - lastUsedResolutionMs)),
          ),
        ),
      );
  }
  const id = row.token.id as TokenId;
  if (row.token.kind === "user" && row.user) {
    const u = row.user;
    return {
      id,
      owner: {
        kind: "user",
        user: {
          id: u.id as UserId,
          username: u.username,
          email: u.email,
          siteAdmin: u.siteAdmin,
          createdAt: u.createdAt,
        },
      },
    };
  }
  if (row.token.kind === "organization" && row.orgName) {
    return { id, owner: { kind: "organization", organization: row.orgName as OrganizationName } };
  }
  return undefined;
}
