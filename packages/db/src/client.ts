import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { UnavailableError } from "@terrapod/kernel";
import { type ExtractTablesWithRelations, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a query can run on: the database or an open transaction. */
export type Executor = Database | Transaction;

export type DbConfig =
  | {
      readonly kind: "pglite";
      /** Directory holding the embedded database. */
      readonly dataDir: string;
      /** A tarball from `dumpDataDir` to start from (tests clone a migrated template this way). */
      readonly loadDataDir?: Blob;
    }
  | { readonly kind: "postgres"; readonly url: string; readonly maxConnections?: number };

export type DbHandle = {
  readonly db: Database;
  readonly kind: DbConfig["kind"];
  /** Runs the SQL migrations in `drizzle/`; safe to call from several replicas at once. */
  migrate(): Promise<void>;
  /** Throws UnavailableError when the database does not answer. */
  ping(): Promise<void>;
  /**
   * Runs `fn` only if no other process holds the site-wide lock `key` (a PostgreSQL advisory lock held on
   * a dedicated connection while `fn` runs); returns false, without waiting, when another one does.
   * Background work that must run once per site (sweepers) goes through it, so replicas never overlap.
   */
  exclusive(key: number, fn: () => Promise<void>): Promise<boolean>;
  close(): Promise<void>;
  /** PGlite only: a tarball of the data directory (used to build test templates). */
  dump(): Promise<Blob>;
};

export const migrationsFolder = join(import.meta.dir, "..", "..", "..", "drizzle");

/** Session-level advisory lock key that serializes migrations across replicas. */
const migrationLockKey = 7_361_200_417;

export async function createDb(config: DbConfig): Promise<DbHandle> {
  if (config.kind === "pglite") return createPglite(config);
  return createPostgres(config);
}

async function createPglite(config: Extract<DbConfig, { kind: "pglite" }>): Promise<DbHandle> {
  await mkdir(config.dataDir, { recursive: true });
  const client = await PGlite.create(
    config.loadDataDir
      ? { dataDir: config.dataDir, loadDataDir: config.loadDataDir }
      : { dataDir: config.dataDir },
  );
  const db = drizzlePglite({ client, schema, casing: "snake_case" }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    async migrate() {
      await migratePglite(drizzlePglite({ client, schema, casing: "snake_case" }), { migrationsFolder });
    },
    async ping() {
      await client.query("select 1");
    },
    async exclusive(_key, fn) {
      // One process owns an embedded database: nobody else can hold the lock.
      await fn();
      return true;
    },
    async close() {
      if (!client.closed) await client.close();
    },
    async dump() {
      const file = await client.dumpDataDir("none");
      return file;
    },
  };
}

async function createPostgres(config: Extract<DbConfig, { kind: "postgres" }>): Promise<DbHandle> {
  const client = postgres(config.url, {
    max: config.maxConnections ?? 10,
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 60,
  });
  const db = drizzlePostgres({ client, schema, casing: "snake_case" }) as unknown as Database;
  return {
    db,
    kind: "postgres",
    async migrate() {
      // One dedicated connection, so the session-level advisory lock covers the whole migration.
      const conn = postgres(config.url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        await conn`select pg_advisory_lock(${migrationLockKey})`;
        try {
          await migratePostgres(drizzlePostgres({ client: conn, schema, casing: "snake_case" }), {
            migrationsFolder,
          });
        } finally {
          await conn`select pg_advisory_unlock(${migrationLockKey})`;
        }
      } finally {
        await conn.end({ timeout: 5 });
      }
    },
    async ping() {
      try {
        await db.execute(sql`select 1`);
      } catch (err) {
        throw new UnavailableError(`database unreachable: ${describeDbError(err)}`, {
          cause: err,
          dependency: "database",
        });
      }
    },
    async exclusive(key, fn) {
      const conn = await client.reserve();
      try {
        const [row] = await conn`select pg_try_advisory_lock(${key}) as locked`;
        if (!row?.locked) return false;
        try {
          await fn();
        } finally {
          await conn`select pg_advisory_unlock(${key})`;
        }
        return true;
      } finally {
        conn.release();
      }
    },
    async close() {
      await client.end({ timeout: 5 });
    },
    async dump() {
      throw new Error("dump is only available for the embedded database");
    },
  };
}

function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let cur: unknown = err;
  while (cur && chain.length < 8) {
    chain.push(cur);
    cur = (cur as { cause?: unknown }).cause;
  }
  return chain;
}

function codeOf(err: unknown): string | undefined {
  for (const e of errorChain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** Postgres SQLSTATE 23505 anywhere in the cause chain. */
export function isUniqueViolation(err: unknown): boolean {
  return codeOf(err) === "23505";
}

/** Postgres SQLSTATE 23503 (foreign key violation). */
export function isForeignKeyViolation(err: unknown): boolean {
  return codeOf(err) === "23503";
}

const connectionCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01",
  "57P02",
  "57P03",
]);

/** True when the error means "the database cannot be reached", not "the query was wrong". */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code === undefined) return false;
  return connectionCodes.has(code) || code.startsWith("08");
}

export function describeDbError(err: unknown): string {
  const chain = errorChain(err);
  const last = chain[chain.length - 1];
  const code = codeOf(err);
  const message = last instanceof Error ? last.message : String(last);
  return code ? `${message} (${code})` : message;
}
