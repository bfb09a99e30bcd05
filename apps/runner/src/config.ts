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

/** The whole of standard input (the embedded executor writes the token and closes it). */
const readStandardInput = () => readFileSync(0, "utf8");

export function loadRunnerConfig(
  raw: Record<string, string | undefined>,
  readStdin: () => string = readStandardInput,
): RunnerConfig {
  const problems: string[] = [];
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(raw)) env[k] = v === "" ? undefined : v;
  readTokenSource(env, problems, readStdin);
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

/**
 * The token may come from a mounted secret file (Kubernetes) or from standard input (the embedded
 * executor: then it is in no environment another process could read) instead of the environment.
 */
function readTokenSource(
  env: Record<string, string | undefined>,
  problems: string[],
  readStdin: () => string,
): void {
  const tokenFile = env[runnerEnv.tokenFile];
  const fromStdin = env[runnerEnv.tokenStdin] === "1";
  const sources = [runnerEnv.token, runnerEnv.tokenFile, runnerEnv.tokenStdin].filter((name) =>
    name === runnerEnv.tokenStdin ? fromStdin : Boolean(env[name]),
  );
  if (sources.length > 1) {
    problems.push(`${sources.join(" and ")} are ${sources.length === 2 ? "both" : "all"} set; use one`);
  }
  const read = (what: string, from: () => string) => {
    try {
      return from();
    } catch (err) {
      const code = err instanceof Error && "code" in err ? String(err.code) : "error";
      problems.push(`${what} (${code})`);
      return undefined;
    }
  };
  if (tokenFile) {
    env[runnerEnv.token] = read(`${runnerEnv.tokenFile}: cannot read ${tokenFile}`, () =>
      readFileSync(tokenFile, "utf8").trim(),
    );
  } else if (fromStdin && sources.length === 1) {
    const line = read(`${runnerEnv.tokenStdin}: cannot read standard input`, readStdin);
    const token = line?.split("\n")[0]?.trim();
    if (line !== undefined && !token) problems.push(`${runnerEnv.tokenStdin}: no token on standard input`);
    env[runnerEnv.token] = token || undefined;
  }
}

/** The runner's configuration from this process's environment. */
export function loadRunnerConfigFromEnv(): RunnerConfig {
  return loadRunnerConfig(Bun.env);
}
