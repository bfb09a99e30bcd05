import { boolean, index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { organizations } from "./organizations.ts";

export const users = pgTable(
  "users",
  {
    id: text().primaryKey(),
    username: text().notNull(),
    email: text().notNull(),
    siteAdmin: boolean().notNull().default(false),
    /** PBKDF2 hash (`pbkdf2-sha256$iterations$salt$hash`); null for SSO-only accounts. */
    passwordHash: text(),
    createdAt: timestamp({ withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [uniqueIndex("users_username_key").on(t.username)],
);

/** API tokens. Only the SHA-256 of the token is stored; the token itself is shown once. */
export const tokens = pgTable(
  "tokens",
  {
    id: text().primaryKey(),
    tokenHash: text().notNull(),
    kind: text({ enum: ["user", "organization"] }).notNull(),
    userId: text().references(() => users.id, { onDelete: "cascade" }),
    organizationId: text().references(() => organizations.id, { onDelete: "cascade" }),
    description: text(),
    createdAt: timestamp({ withTimezone: true, precision: 3 }).notNull(),
    lastUsedAt: timestamp({ withTimezone: true, precision: 3 }),
    expiresAt: timestamp({ withTimezone: true, precision: 3 }),
  },
  (t) => [uniqueIndex("tokens_token_hash_key").on(t.tokenHash), index("tokens_user_id_idx").on(t.userId)],
);

export type UserRow = typeof users.$inferSelect;
export type TokenRow = typeof tokens.$inferSelect;
