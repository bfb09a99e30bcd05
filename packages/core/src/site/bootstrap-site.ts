import { organizations, tokens, users } from "@terrapod/db";
import type { OrganizationId, TokenId, UserId } from "@terrapod/kernel";
import { count, eq, sql } from "drizzle-orm";
import { ensureDefaultProject } from "../project/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import { generateTokenSecret, hashToken } from "../token/index.ts";

export const defaultOrganizationName = "default";
export const adminUsername = "admin";

export type BootstrapResult =
  /** First start: the site was created. `generatedToken` is set when no admin token was configured. */
  { readonly created: true; readonly generatedToken: string | undefined } | { readonly created: false };

/**
 * On first start with an empty database, creates organization `default`, the site-admin user `admin` and
 * its API token: the configured one, or a random one returned once so the caller can print it.
 * On later starts only makes sure a configured admin token is registered.
 */
export async function bootstrapSite(
  deps: CoreDeps,
  opts: { readonly adminToken: string | undefined },
): Promise<BootstrapResult> {
  return deps.db.transaction(async (tx) => {
    // serialize concurrent first starts of several replicas
    await tx.execute(sql`select pg_advisory_xact_lock(7361200418)`);
    const now = deps.clock.now();
    const [existing] = await tx.select({ n: count() }).from(users);
    if ((existing?.n ?? 0) > 0) {
      if (opts.adminToken) {
        const [admin] = await tx.select().from(users).where(eq(users.username, adminUsername)).limit(1);
        const hash = hashToken(opts.adminToken);
        const [known] = await tx.select({ id: tokens.id }).from(tokens).where(eq(tokens.tokenHash, hash));
        if (admin && !known) {
          await tx.insert(tokens).values({
            id: deps.ids("token") as TokenId,
            tokenHash: hash,
            kind: "user",
            userId: admin.id,
            description: "admin token from TERRAPOD_ADMIN_TOKEN",
            createdAt: now,
          });
        }
      }
      return { created: false };
    }
    const [org] = await tx
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.name, defaultOrganizationName));
    const orgId = org?.id ?? (deps.ids("organization") as OrganizationId);
    if (!org) {
      await tx.insert(organizations).values({
        id: orgId,
        name: defaultOrganizationName,
        email: "admin@localhost",
        createdAt: now,
        updatedAt: now,
      });
    }
    await ensureDefaultProject(tx, deps.ids, orgId, now);
    const userId = deps.ids("user") as UserId;
    await tx.insert(users).values({
      id: userId,
      username: adminUsername,
      email: "admin@localhost",
      siteAdmin: true,
      createdAt: now,
    });
    const secret = opts.adminToken ?? generateTokenSecret();
    await tx.insert(tokens).values({
      id: deps.ids("token") as TokenId,
      tokenHash: hashToken(secret),
      kind: "user",
      userId,
      description: opts.adminToken ? "admin token from TERRAPOD_ADMIN_TOKEN" : "generated admin token",
      createdAt: now,
    });
    return { created: true, generatedToken: opts.adminToken ? undefined : secret };
  });
}
