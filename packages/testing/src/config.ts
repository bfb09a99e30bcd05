/**
 * The only place in @terrapod/testing that reads the environment. `scripts/test` (or
 * `bun scripts/services.ts up`) sets these variables; integration tests read them through the
 * accessors below, which throw when a variable is missing so that a test whose service is absent
 * fails loudly instead of passing without having run.
 */

export type TestBackend = "pglite" | "postgres";

export type TestS3Config = {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Local S3-compatible servers address buckets by path, not by virtual host. */
  readonly forcePathStyle: true;
};

const hint =
  "run integration tests through `scripts/test` (or start services with `bun scripts/services.ts up`)";

function required(name: string, what: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: integration tests need ${what}; ${hint}`);
  }
  return value;
}

/** Which database integration tests run against: embedded PGlite or a real PostgreSQL server. */
export function testBackend(): TestBackend {
  const value = required("TERRAPOD_TEST_BACKEND", "a database backend (pglite or postgres)");
  if (value !== "pglite" && value !== "postgres") {
    throw new Error(`TERRAPOD_TEST_BACKEND must be "pglite" or "postgres", got "${value}"`);
  }
  return value;
}

/** Superuser URL of the PostgreSQL server (its `postgres` database); used to create test databases. */
export function testDatabaseUrl(): string {
  return required("TERRAPOD_TEST_DATABASE_URL", "a PostgreSQL server");
}

export function testRedisUrl(): string {
  return required("TERRAPOD_TEST_REDIS_URL", "a Redis server");
}

export function testS3(): TestS3Config {
  return {
    endpoint: required("TERRAPOD_TEST_S3_ENDPOINT", "an S3-compatible server"),
    region: process.env.AWS_REGION || "us-east-1",
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || "test",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || "test",
    forcePathStyle: true,
  };
}

/** Directory for caches shared between test processes (the PGlite template tarball); default: OS temp dir. */
export function testCacheDir(): string | undefined {
  return process.env.TERRAPOD_TEST_CACHE_DIR || undefined;
}

/**
 * Directory for PGlite clones' data dirs. `scripts/test` sets it to a per-run dir that it removes
 * afterwards, so a killed test process leaves nothing behind; default: /dev/shm or the OS temp dir.
 */
export function testScratchDir(): string | undefined {
  return process.env.TERRAPOD_TEST_SCRATCH_DIR || undefined;
}

/** Directory of engine binaries (`tofu-1.12.6`, `terraform-1.5.7`) for tests that execute runs; optional. */
export function testBinaryDir(): string | undefined {
  return process.env.TERRAPOD_TEST_BINARY_DIR || undefined;
}

/** A filesystem provider mirror (scripts/build-clients.sh builds one) for tests whose runs need providers. */
export function testProviderMirror(): string | undefined {
  return process.env.TERRAPOD_TEST_PROVIDER_MIRROR || undefined;
}
