import { boolean, text, timestamp } from "drizzle-orm/pg-core";

// Column builders shared by several schema files. Not re-exported from `index.ts`: they are not tables.

/** Every timestamp column: `timestamptz(3)`. */
export const ts = () => timestamp({ withTimezone: true, precision: 3 });

/** The columns a workspace variable and a variable-set variable share. */
export const variableColumns = () => ({
  id: text().primaryKey(),
  key: text().notNull(),
  /** Sealed with the SecretBox (AAD names the variable id) for every variable, sensitive or not. */
  value: text().notNull(),
  category: text({ enum: ["terraform", "env"] }).notNull(),
  hcl: boolean().notNull().default(false),
  sensitive: boolean().notNull().default(false),
  description: text().notNull().default(""),
  /** Content hash chained over the previous version: changes on every update. */
  versionId: text().notNull(),
  createdAt: ts().notNull(),
  updatedAt: ts().notNull(),
});
