import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { migrationsFolder } from "@terrapod/db";
import { sql } from "drizzle-orm";
import { testBackend } from "./config.ts";
import { createTestDb, prepareTestDbTemplate, queryRows, type TestDbHandle } from "./db.ts";

/** Table names created by the SQL migrations (read from the files, so this test follows them). */
async function migratedTables(): Promise<string[]> {
  const files = (await readdir(migrationsFolder)).filter((name) => name.endsWith(".sql"));
  const names = new Set<string>();
  for (const file of files) {
    const text = await readFile(join(migrationsFolder, file), "utf8");
    for (const match of text.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?"(?:public"\.")?([^"]+)"/g)) {
      if (match[1]) names.add(match[1]);
    }
  }
  return [...names].sort();
}

async function journalEntries(): Promise<number> {
  const journal = (await Bun.file(join(migrationsFolder, "meta", "_journal.json")).json()) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

async function publicTables(handle: TestDbHandle): Promise<string[]> {
  const rows = await queryRows<{ table_name: string }>(
    handle.db,
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  return rows.map((row) => row.table_name);
}

async function locationExists(handle: TestDbHandle, other: TestDbHandle): Promise<boolean> {
  if (handle.kind === "pglite") {
    return stat(handle.location).then(
      () => true,
      () => false,
    );
  }
  const rows = await queryRows(
    other.db,
    sql`select 1 as found from pg_database where datname = ${handle.location}`,
  );
  return rows.length > 0;
}

describe(`createTestDb (${testBackend()})`, () => {
  let a: TestDbHandle;
  let b: TestDbHandle;

  beforeAll(async () => {
    // The orchestrator builds the template beforehand; this covers a direct `bun test` run.
    await prepareTestDbTemplate();
    [a, b] = await Promise.all([createTestDb(), createTestDb()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  test("uses the selected backend", () => {
    expect(a.kind).toBe(testBackend());
    expect(b.kind).toBe(testBackend());
    expect(a.location).not.toBe(b.location);
  });

  test("has every table from the migrations, and only those", async () => {
    const expected = await migratedTables();
    expect(expected.length).toBeGreaterThan(0);
    expect(await publicTables(a)).toEqual(expected);
    expect(await publicTables(b)).toEqual(expected);
  });

  test("has recorded every migration", async () => {
    const rows = await queryRows<{ n: number }>(
      a.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    expect(rows[0]?.n).toBe(await journalEntries());
  });

  test("starts empty", async () => {
    for (const table of await migratedTables()) {
      const rows = await queryRows<{ n: number }>(
        a.db,
        sql`select count(*)::int as n from ${sql.identifier(table)}`,
      );
      expect(rows[0]?.n).toBe(0);
    }
  });

  test("two handles do not see each other's rows or tables", async () => {
    await queryRows(a.db, sql`create table isolation_probe (id int primary key)`);
    await queryRows(a.db, sql`insert into isolation_probe values (1), (2)`);
    const inA = await queryRows<{ n: number }>(a.db, sql`select count(*)::int as n from isolation_probe`);
    expect(inA[0]?.n).toBe(2);
    const inB = await queryRows<{ name: string | null }>(
      b.db,
      sql`select to_regclass('public.isolation_probe')::text as name`,
    );
    expect(inB[0]?.name).toBeNull();
  });

  test("a new handle does not see rows written through an earlier one", async () => {
    await queryRows(a.db, sql`create table leak_probe (id int)`);
    await queryRows(a.db, sql`insert into leak_probe values (1)`);
    const c = await createTestDb();
    try {
      const rows = await queryRows<{ name: string | null }>(
        c.db,
        sql`select to_regclass('public.leak_probe')::text as name`,
      );
      expect(rows[0]?.name).toBeNull();
      expect(await publicTables(c)).toEqual(await migratedTables());
    } finally {
      await c.close();
    }
  });

  test("close() removes the database", async () => {
    const c = await createTestDb();
    expect(await locationExists(c, a)).toBe(true);
    await c.close();
    await c.close(); // idempotent
    expect(await locationExists(c, a)).toBe(false);
  });
});
