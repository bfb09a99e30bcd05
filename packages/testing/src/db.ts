import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rename, rm, stat, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createDb, type DbHandle, type Executor, migrationsFolder } from "@terrapod/db";
import type { SQL } from "drizzle-orm";
import postgres from "postgres";
import { type TestBackend, testBackend, testCacheDir, testDatabaseUrl, testScratchDir } from "./config.ts";

/** A migrated, empty database of its own; `close()` removes it (data dir or database). */
export type TestDbHandle = DbHandle & {
  /** PGlite: the data directory; postgres: the database name. */
  readonly location: string;
};

export type CreateTestDbOptions = {
  /** Defaults to TERRAPOD_TEST_BACKEND. */
  readonly backend?: TestBackend;
};

/**
 * Creates a migrated, empty database for one test (or one test file), cloned from a template that is
 * migrated once per set of migrations:
 * - pglite: a `dumpDataDir` tarball cached in the OS temp dir (shared by every test process), loaded
 *   into a fresh temp data dir with `loadDataDir`;
 * - postgres: `CREATE DATABASE t_<random> TEMPLATE terrapod_tpl_<hash>` on TERRAPOD_TEST_DATABASE_URL.
 */
export async function createTestDb(options: CreateTestDbOptions = {}): Promise<TestDbHandle> {
  const backend = options.backend ?? testBackend();
  return backend === "pglite" ? createPgliteTestDb() : createPostgresTestDb(testDatabaseUrl());
}

/**
 * Builds the template for the selected backend if it does not exist yet. `scripts/test` calls this
 * before an integration phase so that no test pays for initdb and migrations inside its timeout.
 */
export async function prepareTestDbTemplate(options: CreateTestDbOptions = {}): Promise<string> {
  const backend = options.backend ?? testBackend();
  return backend === "pglite" ? pgliteTemplate() : postgresTemplate(testDatabaseUrl());
}

/**
 * Runs raw SQL and returns its rows on either backend (`db.execute` gives an array on postgres-js and
 * `{ rows }` on PGlite).
 */
export async function queryRows<T extends Record<string, unknown>>(db: Executor, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

// ---------------------------------------------------------------------------------------------------
// migrations hash

let migrationsHashMemo: Promise<string> | undefined;

/** sha256 (12 hex chars) over every file in `drizzle/` (SQL and meta), with their relative paths. */
export function migrationsHash(): Promise<string> {
  migrationsHashMemo ??= hashMigrations().catch((err: unknown) => {
    migrationsHashMemo = undefined;
    throw err;
  });
  return migrationsHashMemo;
}

async function hashMigrations(): Promise<string> {
  let files: string[];
  try {
    files = (await readdir(migrationsFolder, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
  } catch (err) {
    throw new Error(`cannot read the migrations in ${migrationsFolder}`, { cause: err });
  }
  if (files.length === 0) throw new Error(`no migrations in ${migrationsFolder}`);
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(file.slice(migrationsFolder.length));
    hash.update("\0");
    hash.update(await readFile(file));
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 12);
}

// ---------------------------------------------------------------------------------------------------
// PGlite

const pgliteTemplates = new Map<string, Promise<string>>();
const pgliteTemplateBlobs = new Map<string, Promise<Blob>>();

async function pgliteVersion(): Promise<string> {
  const entry = Bun.fileURLToPath(import.meta.resolve("@electric-sql/pglite"));
  const pkg = (await Bun.file(join(dirname(entry), "..", "package.json")).json()) as { version?: string };
  return pkg.version ?? "unknown";
}

/** Path of the cached template tarball, built first if needed. */
async function pgliteTemplate(): Promise<string> {
  const key = createHash("sha256")
    .update(`${await pgliteVersion()}\0${await migrationsHash()}`)
    .digest("hex")
    .slice(0, 12);
  return memo(pgliteTemplates, key, () =>
    buildPgliteTemplate(join(testCacheDir() ?? tmpdir(), `terrapod-pglite-tpl-${key}.tar`)),
  );
}

/** The template tarball held in memory (~40 MB), so each clone skips reading it from disk. */
async function pgliteTemplateBlob(): Promise<Blob> {
  const file = await pgliteTemplate();
  return memo(pgliteTemplateBlobs, file, async () => new Blob([await Bun.file(file).arrayBuffer()]));
}

let scratchMemo: Promise<string> | undefined;

/**
 * Where clones' data dirs go: TERRAPOD_TEST_SCRATCH_DIR, else /dev/shm when it is a roomy tmpfs (a
 * clone costs about half as much there as on disk), else the OS temp dir.
 */
function scratchDir(): Promise<string> {
  scratchMemo ??= (async () => {
    const configured = testScratchDir();
    if (configured) return configured;
    return (await hasRoomyShm()) ? "/dev/shm" : tmpdir();
  })();
  return scratchMemo;
}

/** True when /dev/shm is a tmpfs with at least 2 GiB free (containers often give it 64 MiB). */
async function hasRoomyShm(): Promise<boolean> {
  return statfs("/dev/shm").then(
    (fs) => fs.bavail * fs.bsize >= 2 * 1024 ** 3,
    () => false,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function buildPgliteTemplate(file: string): Promise<string> {
  if (await exists(file)) return file;
  const dataDir = await mkdtemp(join(tmpdir(), "terrapod-pglite-tpl-"));
  try {
    const handle = await createDb({ kind: "pglite", dataDir });
    try {
      await handle.migrate();
      const tarball = await handle.dump();
      // Written under a unique name, then renamed: concurrent builders never see a partial file.
      const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
      await Bun.write(partial, tarball);
      await rename(partial, file);
    } finally {
      await handle.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  await removeStaleTemplates(file);
  return file;
}

/** Templates of other migration sets, untouched for a day, are removed when a new one is built. */
async function removeStaleTemplates(current: string): Promise<void> {
  const dir = dirname(current);
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of await readdir(dir).catch(() => [])) {
    const path = join(dir, name);
    if (!name.startsWith("terrapod-pglite-tpl-") || !name.endsWith(".tar") || path === current) continue;
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < dayAgo) await rm(path, { force: true });
  }
}

async function createPgliteTestDb(): Promise<TestDbHandle> {
  const template = await pgliteTemplateBlob();
  const dataDir = await mkdtemp(join(await scratchDir(), "terrapod-pglite-"));
  let inner: DbHandle;
  try {
    inner = await createDb({ kind: "pglite", dataDir, loadDataDir: template });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return withCleanup(inner, dataDir, () => rm(dataDir, { recursive: true, force: true }));
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

/** Session advisory lock serializing template creation (distinct from the migrations lock). */
const templateLockKey = 7_361_200_418;
const postgresTemplates = new Map<string, Promise<string>>();

function admin(url: string) {
  return postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10, idle_timeout: 5 });
}

function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function postgresTemplate(url: string): Promise<string> {
  const name = `terrapod_tpl_${await migrationsHash()}`;
  return memo(postgresTemplates, `${url}\0${name}`, () => buildPostgresTemplate(url, name));
}

async function buildPostgresTemplate(url: string, name: string): Promise<string> {
  const sql = admin(url);
  try {
    // max: 1, so the lock, the checks and the DDL all run on one session.
    await sql`select pg_advisory_lock(${templateLockKey})`;
    try {
      const found = await sql`select 1 from pg_database where datname = ${name}`;
      if (found.length === 0) {
        // Migrate under a temporary name and rename when done: a crash never leaves a half-migrated
        // template under the real name.
        const building = `${name}_build`;
        await sql`drop database if exists ${sql(building)} with (force)`;
        await sql`create database ${sql(building)}`;
        await migratePostgres(databaseUrl(url, building));
        await sql`alter database ${sql(building)} rename to ${sql(name)}`;
        // No connections allowed: CREATE DATABASE ... TEMPLATE refuses a template that has sessions.
        await sql`alter database ${sql(name)} with is_template true allow_connections false`;
      }
    } finally {
      await sql`select pg_advisory_unlock(${templateLockKey})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return name;
}

/** Runs the migrations on a fresh database the way the server does (`DbHandle.migrate()`). */
async function migratePostgres(url: string): Promise<void> {
  const handle = await createDb({ kind: "postgres", url, maxConnections: 1 });
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }
}

async function createPostgresTestDb(url: string): Promise<TestDbHandle> {
  const template = await postgresTemplate(url);
  const name = `t_${randomBytes(8).toString("hex")}`;
  const sql = admin(url);
  try {
    await sql`create database ${sql(name)} template ${sql(template)}`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  const drop = async () => {
    const dropper = admin(url);
    try {
      await dropper`drop database if exists ${dropper(name)} with (force)`;
    } finally {
      await dropper.end({ timeout: 5 });
    }
  };
  let inner: DbHandle;
  try {
    inner = await createDb({ kind: "postgres", url: databaseUrl(url, name) });
  } catch (err) {
    await drop();
    throw err;
  }
  return withCleanup(inner, name, drop);
}

// ---------------------------------------------------------------------------------------------------

/** Caches a promise by key for this process; a rejected one is forgotten so the next call retries. */
function memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = make();
    cache.set(key, value);
    value.catch(() => cache.delete(key));
  }
  return value;
}

function withCleanup(inner: DbHandle, location: string, cleanup: () => Promise<void>): TestDbHandle {
  let closing: Promise<void> | undefined;
  return {
    db: inner.db,
    kind: inner.kind,
    location,
    migrate: () => inner.migrate(),
    ping: () => inner.ping(),
    exclusive: (key, fn) => inner.exclusive(key, fn),
    dump: () => inner.dump(),
    close() {
      closing ??= (async () => {
        try {
          await inner.close();
        } finally {
          await cleanup();
        }
      })();
      return closing;
    },
  };
}
