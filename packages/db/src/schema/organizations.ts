import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const organizations = pgTable(
  "organizations",
  {
    id: text().primaryKey(),
    name: text().notNull(),
    email: text().notNull(),
    collaboratorAuthPolicy: text().notNull().default("password"),
    costEstimationEnabled: boolean().notNull().default(false),
    sessionRemember: integer(),
    sessionTimeout: integer(),
    allowForceDeleteWorkspaces: boolean().notNull().default(false),
    assessmentsEnforced: boolean().notNull().default(false),
    defaultExecutionMode: text().notNull().default("remote"),
    sendPassingStatusesForUntriggeredSpeculativePlans: boolean().notNull().default(false),
    createdAt: timestamp({ withTimezone: true, precision: 3 }).notNull(),
    updatedAt: timestamp({ withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [
    uniqueIndex("organizations_name_key").on(t.name),
    index("organizations_created_at_idx").on(t.createdAt),
  ],
);

export type OrganizationRow = typeof organizations.$inferSelect;
export type NewOrganizationRow = typeof organizations.$inferInsert;
