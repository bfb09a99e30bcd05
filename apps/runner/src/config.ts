import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";

/** Every configuration problem at once; main prints it as one line and exits 2. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid runner configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export type RunnerConfig = Readonly<{
  /** Base URL of the server; the runner paths are appended to its path. */
  serverUrl: URL;
  /** The job token (Bearer on every call). Never logged, never given to the engine. */
  token: string;
  /** Directory holding `<engine>-<version>` binaries. */
  binaryDir: string;
  /** Parent of the per-job working directory. */
  workDir: string;
  /** Skip TLS verification (only ever true for a loopback server URL). */
  insecureTls: boolean;
  /** Between SIGINT and SIGKILL when cancelling the engine. */
  graceSeconds: number;
  /** PATH given to the engine. */
  enginePath: string;
  /** A filesystem provider mirror the engine installs the providers it holds from (air-gapped installs). */
  providerMirror: string | undefined;
  logLevel: LogLevel;
}>;

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function isLoopbackUrl(url: URL): boolean {
  return loopbackHosts.has(url.hostname.toLowerCase());
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const Env = z.object({
  TERRAPOD_RUNNER_SERVER_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  TERRAPOD_RUNNER_TOKEN: z.string().min(1, "is required"),
  TERRAPOD_BINARY_DIR: z.string().min(1, "is required"),
  TERRAPOD_RUNNER_WORK_DIR: z.string().min(1).optional(),
  TERRAPOD_RUNNER_INSECURE_LOOPBACK: z.enum(["0", "1", "true", "false"]).optional(),
  TERRAPOD_RUNNER_GRACE_SECONDS: int(0, 3600).default(30),
  TERRAPOD_RUNNER_LOG_LEVEL: z
    .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"])
    .default("info"),
  PATH: z.string().min(1).default("/usr/local/bin:/usr/bin:/bin"),
  TERRAPOD_RUNNER_PROVIDER_MIRROR: z.string().min(1).optional(),
});

export function loadRunnerConfig(raw: Record<string, string | undefined>): RunnerConfig {
  const problems: string[] = [];
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) env[k] = v === "" ? undefined : v;
  // The token may come from a mounted secret file (Kubernetes) instead of the environment.
  const tokenFile = env.TERRAPOD_RUNNER_TOKEN_FILE;
  if (tokenFile) {
    if (env.TERRAPOD_RUNNER_TOKEN)
      problems.push("TERRAPOD_RUNNER_TOKEN and TERRAPOD_RUNNER_TOKEN_FILE are both set");
    try {
      env.TERRAPOD_RUNNER_TOKEN = readFileSync(tokenFile, "utf8").trim();
    } catch (err) {
      const code = err instanceof Error && "code" in err ? String(err.code) : "error";
      problems.push(`TERRAPOD_RUNNER_TOKEN_FILE: cannot read ${tokenFile} (${code})`);
    }
  }
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const serverUrl = new URL(e.TERRAPOD_RUNNER_SERVER_URL);
  const insecure =
    e.TERRAPOD_RUNNER_INSECURE_LOOPBACK === "1" || e.TERRAPOD_RUNNER_INSECURE_LOOPBACK === "true";
  if (insecure && !isLoopbackUrl(serverUrl)) {
    problems.push(
      `TERRAPOD_RUNNER_INSECURE_LOOPBACK is only allowed for a loopback server URL (not ${serverUrl.hostname})`,
    );
  }
  if (!isAbsolute(e.TERRAPOD_BINARY_DIR)) problems.push("TERRAPOD_BINARY_DIR must be an absolute path");
  if (e.TERRAPOD_RUNNER_PROVIDER_MIRROR && !isAbsolute(e.TERRAPOD_RUNNER_PROVIDER_MIRROR)) {
    problems.push("TERRAPOD_RUNNER_PROVIDER_MIRROR must be an absolute path");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    serverUrl,
    token: e.TERRAPOD_RUNNER_TOKEN,
    binaryDir: e.TERRAPOD_BINARY_DIR,
    workDir: resolve(e.TERRAPOD_RUNNER_WORK_DIR ?? tmpdir()),
    insecureTls: insecure && serverUrl.protocol === "https:",
    graceSeconds: e.TERRAPOD_RUNNER_GRACE_SECONDS,
    enginePath: e.PATH,
    providerMirror: e.TERRAPOD_RUNNER_PROVIDER_MIRROR,
    logLevel: e.TERRAPOD_RUNNER_LOG_LEVEL,
  });
}
