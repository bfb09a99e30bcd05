import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { runnerEnv } from "@terrapod/runner-protocol";
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
  [runnerEnv.serverUrl]: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  [runnerEnv.token]: z.string().min(1, "is required"),
  [runnerEnv.binaryDir]: z.string().min(1, "is required"),
  [runnerEnv.workDir]: z.string().min(1).optional(),
  [runnerEnv.insecureLoopback]: z.enum(["0", "1", "true", "false"]).optional(),
  [runnerEnv.graceSeconds]: int(0, 3600).default(30),
  [runnerEnv.logLevel]: z
    .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"])
    .default("info"),
  PATH: z.string().min(1).default("/usr/local/bin:/usr/bin:/bin"),
  [runnerEnv.providerMirror]: z.string().min(1).optional(),
});

export function loadRunnerConfig(raw: Record<string, string | undefined>): RunnerConfig {
  const problems: string[] = [];
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) env[k] = v === "" ? undefined : v;
  // The token may come from a mounted secret file (Kubernetes) instead of the environment.
  const tokenFile = env[runnerEnv.tokenFile];
  if (tokenFile) {
    if (env[runnerEnv.token]) problems.push(`${runnerEnv.token} and ${runnerEnv.tokenFile} are both set`);
    try {
      env[runnerEnv.token] = readFileSync(tokenFile, "utf8").trim();
    } catch (err) {
      const code = err instanceof Error && "code" in err ? String(err.code) : "error";
      problems.push(`${runnerEnv.tokenFile}: cannot read ${tokenFile} (${code})`);
    }
  }
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".")} ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const serverUrl = new URL(e[runnerEnv.serverUrl]);
  const insecureFlag = e[runnerEnv.insecureLoopback];
  const insecure = insecureFlag === "1" || insecureFlag === "true";
  if (insecure && !isLoopbackUrl(serverUrl)) {
    problems.push(
      `${runnerEnv.insecureLoopback} is only allowed for a loopback server URL (not ${serverUrl.hostname})`,
    );
  }
  const binaryDir = e[runnerEnv.binaryDir];
  if (!isAbsolute(binaryDir)) problems.push(`${runnerEnv.binaryDir} must be an absolute path`);
  const providerMirror = e[runnerEnv.providerMirror];
  if (providerMirror && !isAbsolute(providerMirror)) {
    problems.push(`${runnerEnv.providerMirror} must be an absolute path`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    serverUrl,
    token: e[runnerEnv.token],
    binaryDir,
    workDir: resolve(e[runnerEnv.workDir] ?? tmpdir()),
    insecureTls: insecure && serverUrl.protocol === "https:",
    graceSeconds: e[runnerEnv.graceSeconds],
    enginePath: e.PATH,
    providerMirror,
    logLevel: e[runnerEnv.logLevel],
  });
}

/** The runner's configuration from this process's environment. */
export function loadRunnerConfigFromEnv(): RunnerConfig {
  return loadRunnerConfig(Bun.env);
}
