import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { z } from "zod";

/** Thrown with every configuration problem at once; main prints it as one line and exits 2. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export type ServerConfig = Readonly<{
  http: Readonly<{
    host: string;
    port: number;
    publicUrl: URL | undefined;
    tls: Readonly<{ cert: string; key: string }> | undefined;
    /** Hard cap for any request body (uploads stream up to this). */
    maxBodyBytes: number;
    /** Cap for JSON request bodies. */
    maxJsonBytes: number;
    /** Per-client requests per second (token bucket); also advertised as X-RateLimit-Limit. */
    rateLimitPerSecond: number;
    /** Failed authentications an address may make per minute before it is answered 429. */
    authFailuresPerMinute: number;
    /** Addresses and CIDRs of proxies whose `X-Forwarded-For` is believed (validated here). */
    trustedProxies: readonly string[];
    /** When set, `/metrics` requires `Authorization: Bearer <it>`. */
    metricsToken: string | undefined;
    shutdownGraceMs: number;
  }>;
  dataDir: string;
  /** Production = external PostgreSQL; embedded = PGlite in the data dir. */
  mode: "embedded" | "production";
  db: Readonly<
    { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string; maxConnections: number }
  >;
  redis: Readonly<{ url: string }> | undefined;
  s3:
    | Readonly<{
        bucket: string;
        endpoint: string | undefined;
        region: string;
        accessKeyId: string | undefined;
        secretAccessKey: string | undefined;
        sessionToken: string | undefined;
      }>
    | undefined;
  runs: Readonly<{
    /** `local`: this process runs plans/applies as child processes; `none`: another executor does. */
    executor: "local" | "none";
    /** Directory of engine binaries named `<engine>-<version>` (terraform-1.5.7, tofu-1.12.6). */
    binaryDir: string;
    concurrency: number;
    /** A filesystem provider mirror the runners install the providers it holds from. */
    providerMirror: string | undefined;
    heartbeatIntervalSeconds: number;
    staleAfterSeconds: number;
    /** PATH given to runners (and through them to the engines). */
    path: string;
    /** Parent of the runners' job directories: never inside the data dir (runners must not see it). */
    workDir: string;
    /** The unprivileged user runners run as when the server runs as root (created when missing). */
    runnerUser: string;
    /** Run phases unsandboxed where that would be refused (not root with an external database). */
    unsandboxed: boolean;
  }>;
  /** Keyring spec (`id=base64,...`); undefined in embedded mode means "generate once into the data dir". */
  encryptionKey: string | undefined;
  /**
   * The capability URL key (base64 of 32 bytes, checked here), independent of the encryption key;
   * undefined in embedded mode
   * means "generate once into the data dir". Required with DATABASE_URL: replicas must share it.
   */
  capabilityKey: string | undefined;
  adminToken: string | undefined;
  log: Readonly<{ level: LogLevel }>;
}>;

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const Env = z.object({
  PATH: z.string().optional(),
  TERRAPOD_HOST: z.string().min(1).default("0.0.0.0"),
  TERRAPOD_PORT: int(0, 65535).default(8080),
  TERRAPOD_PUBLIC_URL: z.url("must be an absolute URL").optional(),
  TERRAPOD_DATA_DIR: z.string().min(1).default("./.terrapod"),
  TERRAPOD_TLS_CERT: z.string().min(1).optional(),
  TERRAPOD_TLS_KEY: z.string().min(1).optional(),
  TERRAPOD_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").max(512).optional(),
  TERRAPOD_ENCRYPTION_KEY: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  TERRAPOD_DB_MAX_CONNECTIONS: int(1, 1000).default(10),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  TERRAPOD_S3_BUCKET: z.string().min(3).max(63).optional(),
  TERRAPOD_S3_ENDPOINT: z.url("must be an absolute URL").optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  TERRAPOD_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  TERRAPOD_MAX_BODY_BYTES: int(1024, 64 * 1024 ** 3).default(1024 ** 3),
  TERRAPOD_MAX_JSON_BYTES: int(1024, 1024 ** 3).default(16 * 1024 ** 2),
  TERRAPOD_RATE_LIMIT: int(4, 1_000_000).default(100),
  TERRAPOD_AUTH_FAILURE_LIMIT: int(1, 1_000_000).default(10),
  TERRAPOD_TRUSTED_PROXIES: z.string().optional(),
  TERRAPOD_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").max(512).optional(),
  TERRAPOD_CAPABILITY_KEY: z.string().min(1).optional(),
  TERRAPOD_SHUTDOWN_GRACE_MS: int(0, 600_000).default(15_000),
  TERRAPOD_EXECUTOR: z.enum(["local", "none"]).default("local"),
  TERRAPOD_BINARY_DIR: z.string().min(1).optional(),
  TERRAPOD_RUNNER_CONCURRENCY: int(1, 256).default(4),
  TERRAPOD_PROVIDER_MIRROR_DIR: z.string().min(1).optional(),
  TERRAPOD_RUNNER_HEARTBEAT_SECONDS: int(1, 3600).default(10),
  TERRAPOD_RUNNER_STALE_SECONDS: int(5, 86_400).default(90),
  TERRAPOD_RUNNER_WORK_DIR: z.string().min(1).optional(),
  TERRAPOD_RUNNER_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a user name (lower case letters, digits, _ and -)")
    .default("terrapod-runner"),
  TERRAPOD_EXECUTOR_UNSANDBOXED: z.enum(["0", "1"], "must be 0 or 1").default("0"),
});

/** `FOO_FILE` variables (Kubernetes secret mounts) supply FOO from a file. */
const fileBacked = [
  "TERRAPOD_ADMIN_TOKEN",
  "TERRAPOD_ENCRYPTION_KEY",
  "TERRAPOD_CAPABILITY_KEY",
  "TERRAPOD_METRICS_TOKEN",
  "DATABASE_URL",
  "REDIS_URL",
] as const;

type ServerEnv = z.infer<typeof Env>;

export function loadServerConfig(raw: Record<string, string | undefined>): ServerConfig {
  const problems: string[] = [];
  const env = withFileBackedValues(raw, problems);
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const tls = tlsConfig(e, problems);
  const mode = e.DATABASE_URL ? "production" : "embedded";
  if (mode === "production" && !e.TERRAPOD_ENCRYPTION_KEY) {
    problems.push(
      "TERRAPOD_ENCRYPTION_KEY is required when DATABASE_URL is set (generate one with `bun apps/server/src/keygen.ts`)",
    );
  }
  if (e.TERRAPOD_S3_ENDPOINT && !e.TERRAPOD_S3_BUCKET) {
    problems.push("TERRAPOD_S3_ENDPOINT is set but TERRAPOD_S3_BUCKET is not");
  }
  checkCapabilityKey(e, mode, problems);
  const trustedProxies = parseTrustedProxies(e.TERRAPOD_TRUSTED_PROXIES, problems);
  const dataDir = resolve(e.TERRAPOD_DATA_DIR);
  const workDir = resolve(e.TERRAPOD_RUNNER_WORK_DIR ?? defaultRunnerWorkDir(dataDir));
  if (isWithin(dataDir, workDir) || isWithin(workDir, dataDir)) {
    problems.push(
      `TERRAPOD_RUNNER_WORK_DIR (${workDir}) must be outside the data dir (${dataDir}), and not contain it`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    http: httpConfig(e, tls, trustedProxies),
    dataDir,
    mode,
    runs: runsConfig(e, dataDir, workDir),
    db: dbConfig(e, dataDir),
    redis: e.REDIS_URL ? { url: e.REDIS_URL } : undefined,
    s3: s3Config(e),
    encryptionKey: e.TERRAPOD_ENCRYPTION_KEY,
    capabilityKey: e.TERRAPOD_CAPABILITY_KEY,
    adminToken: e.TERRAPOD_ADMIN_TOKEN,
    log: { level: e.TERRAPOD_LOG_LEVEL },
  }) as ServerConfig;
}

/** The server's configuration from this process's environment. */
export function loadServerConfigFromEnv(): ServerConfig {
  return loadServerConfig(Bun.env);
}

/** The raw environment with empty values unset and `FOO_FILE` variables read into FOO. */
function withFileBackedValues(
  raw: Record<string, string | undefined>,
  problems: string[],
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) env[k] = v === "" ? undefined : v;
  for (const name of fileBacked) {
    const path = env[`${name}_FILE`];
    if (!path) continue;
    if (env[name]) problems.push(`${name} and ${name}_FILE are both set; use one`);
    try {
      env[name] = readFileSync(path, "utf8").trim();
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  return env;
}

function tlsConfig(e: ServerEnv, problems: string[]): { cert: string; key: string } | undefined {
  if (!e.TERRAPOD_TLS_CERT && !e.TERRAPOD_TLS_KEY) return undefined;
  if (!e.TERRAPOD_TLS_CERT || !e.TERRAPOD_TLS_KEY) {
    problems.push("TERRAPOD_TLS_CERT and TERRAPOD_TLS_KEY must be set together");
    return undefined;
  }
  const cert = readPem(e.TERRAPOD_TLS_CERT, "TERRAPOD_TLS_CERT", "CERTIFICATE", problems);
  const key = readPem(e.TERRAPOD_TLS_KEY, "TERRAPOD_TLS_KEY", "PRIVATE KEY", problems);
  return cert && key ? { cert, key } : undefined;
}

function httpConfig(
  e: ServerEnv,
  tls: { cert: string; key: string } | undefined,
  trustedProxies: readonly string[],
): ServerConfig["http"] {
  return {
    host: e.TERRAPOD_HOST,
    port: e.TERRAPOD_PORT,
    publicUrl: e.TERRAPOD_PUBLIC_URL ? new URL(e.TERRAPOD_PUBLIC_URL) : undefined,
    tls,
    maxBodyBytes: e.TERRAPOD_MAX_BODY_BYTES,
    maxJsonBytes: e.TERRAPOD_MAX_JSON_BYTES,
    rateLimitPerSecond: e.TERRAPOD_RATE_LIMIT,
    authFailuresPerMinute: e.TERRAPOD_AUTH_FAILURE_LIMIT,
    trustedProxies,
    metricsToken: e.TERRAPOD_METRICS_TOKEN,
    shutdownGraceMs: e.TERRAPOD_SHUTDOWN_GRACE_MS,
  };
}

function runsConfig(e: ServerEnv, dataDir: string, workDir: string): ServerConfig["runs"] {
  return {
    executor: e.TERRAPOD_EXECUTOR,
    binaryDir: resolve(e.TERRAPOD_BINARY_DIR ?? resolve(dataDir, "binaries")),
    concurrency: e.TERRAPOD_RUNNER_CONCURRENCY,
    providerMirror: e.TERRAPOD_PROVIDER_MIRROR_DIR ? resolve(e.TERRAPOD_PROVIDER_MIRROR_DIR) : undefined,
    heartbeatIntervalSeconds: e.TERRAPOD_RUNNER_HEARTBEAT_SECONDS,
    staleAfterSeconds: e.TERRAPOD_RUNNER_STALE_SECONDS,
    path: e.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    workDir,
    runnerUser: e.TERRAPOD_RUNNER_USER,
    unsandboxed: e.TERRAPOD_EXECUTOR_UNSANDBOXED === "1",
  };
}

/**
 * The capability URL key: base64 of exactly 32 bytes. Required with DATABASE_URL, because every replica
 * must verify the URLs any other replica issued (embedded mode generates one into the data dir).
 */
function checkCapabilityKey(e: ServerEnv, mode: "embedded" | "production", problems: string[]): void {
  const key = e.TERRAPOD_CAPABILITY_KEY;
  if (key === undefined) {
    if (mode === "production") {
      problems.push(
        "TERRAPOD_CAPABILITY_KEY is required when DATABASE_URL is set (generate one with `bun apps/server/src/keygen.ts capability`)",
      );
    }
    return;
  }
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(key) || Buffer.from(key, "base64").length !== 32) {
    problems.push("TERRAPOD_CAPABILITY_KEY must be the base64 encoding of 32 bytes");
  }
}

/** `TERRAPOD_TRUSTED_PROXIES`: addresses and CIDRs separated by commas or spaces. */
function parseTrustedProxies(raw: string | undefined, problems: string[]): string[] {
  const entries = (raw ?? "").split(/[\s,]+/).filter(Boolean);
  for (const entry of entries) {
    const [address = "", prefix, extra] = entry.split("/");
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      problems.push(`TERRAPOD_TRUSTED_PROXIES: ${entry} is not an IP address or CIDR`);
    }
  }
  return entries;
}

/** `<temp dir>/terrapod-runs-<hash of the data dir>`: one per data dir, outside it. */
function defaultRunnerWorkDir(dataDir: string): string {
  return resolve(
    tmpdir(),
    `terrapod-runs-${createHash("sha256").update(dataDir).digest("hex").slice(0, 12)}`,
  );
}

/** `path` is `dir` or below it. */
function isWithin(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function dbConfig(e: ServerEnv, dataDir: string): ServerConfig["db"] {
  return e.DATABASE_URL
    ? { kind: "postgres", url: e.DATABASE_URL, maxConnections: e.TERRAPOD_DB_MAX_CONNECTIONS }
    : { kind: "pglite", dataDir: resolve(dataDir, "pgdata") };
}

function s3Config(e: ServerEnv): ServerConfig["s3"] {
  if (!e.TERRAPOD_S3_BUCKET) return undefined;
  return {
    bucket: e.TERRAPOD_S3_BUCKET,
    endpoint: e.TERRAPOD_S3_ENDPOINT,
    region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? "us-east-1",
    accessKeyId: e.AWS_ACCESS_KEY_ID,
    secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
    sessionToken: e.AWS_SESSION_TOKEN,
  };
}

function readPem(path: string, name: string, marker: string, problems: string[]): string | undefined {
  try {
    const text = readFileSync(path, "utf8");
    if (!text.includes(marker)) {
      problems.push(`${name}: ${path} is not a PEM file containing a ${marker}`);
      return undefined;
    }
    return text;
  } catch (err) {
    problems.push(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    return undefined;
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !(o instanceof URL)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
