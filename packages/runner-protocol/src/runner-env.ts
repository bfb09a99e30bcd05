/**
 * The environment an executor gives the runner program (`apps/runner`), by name. The local executor
 * sets them on the child process (and writes the token on its standard input); the Kubernetes listener
 * puts them in the Job's pod spec (the token as a file from a Secret). `apps/runner/src/config.ts` reads
 * exactly these.
 */
export const runnerEnv = {
  /** Base URL of the server's runner API (`https://terrapod.example.com`). */
  serverUrl: "TERRAPOD_RUNNER_SERVER_URL",
  /** The job token (prefer `tokenFile`: a file is not visible in /proc/<pid>/environ of other users). */
  token: "TERRAPOD_RUNNER_TOKEN",
  /** A file holding the job token (a mounted Secret in a pod). */
  tokenFile: "TERRAPOD_RUNNER_TOKEN_FILE",
  /** `1`: the job token is the first line of standard input (the embedded executor writes it there). */
  tokenStdin: "TERRAPOD_RUNNER_TOKEN_STDIN",
  /** Directory of engine binaries named `<engine>-<version>`. */
  binaryDir: "TERRAPOD_BINARY_DIR",
  /** Parent of the per-job working directory. */
  workDir: "TERRAPOD_RUNNER_WORK_DIR",
  /** `1`: trust a self-signed certificate, allowed only for a loopback server URL. */
  insecureLoopback: "TERRAPOD_RUNNER_INSECURE_LOOPBACK",
  /** Seconds between the engine's interrupt and its kill on a cancel. */
  graceSeconds: "TERRAPOD_RUNNER_GRACE_SECONDS",
  logLevel: "TERRAPOD_RUNNER_LOG_LEVEL",
  /** A filesystem provider mirror the engine installs the providers it holds from. */
  providerMirror: "TERRAPOD_RUNNER_PROVIDER_MIRROR",
} as const;

export type RunnerEnvName = (typeof runnerEnv)[keyof typeof runnerEnv];
