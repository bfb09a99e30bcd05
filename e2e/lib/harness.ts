/**
 * The real-client scenario harness. `scenario(name, body)` registers one bun test per CLI of the matrix
 * ("[tofu-1.12.6] name"); each gets a fresh throwaway CA, a fresh Terrapod serving https with it, a fresh
 * organization, a fresh workspace name, and a private directory with its own HOME and CLI config. CLI
 * runs are recorded: on failure their output is printed, and with TERRAPOD_E2E_KEEP=1 everything stays
 * in a per-test directory.
 */
import { test } from "bun:test";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startTestServer, type TestServer } from "../../apps/server/src/testing/test-server.ts";
import { type CliBinary, e2eConfig } from "../config.ts";
import {
  type ApiClient,
  createApiClient,
  createOrganization,
  createWorkspace,
  type JsonApiResource,
} from "./api.ts";
import { type CliResult, formatCliResult, type RunningCli, startCli } from "./cli.ts";
import { createTestCertificates } from "./tls.ts";

export type CliOptions = {
  /** Working directory relative to the test dir (default "main"). */
  readonly cwd?: string;
  readonly stdin?: string | "interactive";
  readonly timeoutMs?: number;
  /** Extra variables for this run (e.g. TF_WORKSPACE). */
  readonly env?: Readonly<Record<string, string>>;
};

export type WorkspaceSelection = { readonly name: string } | { readonly tags: readonly string[] };

export type ScenarioContext = {
  readonly cli: CliBinary;
  readonly server: TestServer;
  /** https://localhost:PORT */
  readonly url: string;
  /** localhost:PORT, as written in `cloud` / `backend` blocks. */
  readonly hostname: string;
  readonly token: string;
  /** A fresh organization (created). */
  readonly organization: string;
  /** A fresh workspace name (not created). */
  readonly workspace: string;
  /** Authenticated as the site admin. */
  readonly api: ApiClient;
  /** The test's private directory. */
  readonly dir: string;
  /** Writes files below `dir/<subdir>` (default "main"); returns that directory. */
  writeFiles(files: Readonly<Record<string, string>>, subdir?: string): Promise<string>;
  /** Runs the CLI of this test to completion (recorded for the failure report). */
  run(args: readonly string[], options?: CliOptions): Promise<CliResult>;
  /** Starts the CLI and returns at once (for input and Ctrl-C scenarios). */
  start(args: readonly string[], options?: CliOptions): RunningCli;
  /** A `terraform { cloud { ... } }` block for this server and organization. */
  cloudBlock(workspaces: WorkspaceSelection, organization?: string): string;
  createWorkspace(
    name: string,
    attributes?: Record<string, unknown>,
    tags?: readonly string[],
  ): Promise<JsonApiResource>;
  /** A unique name with the given prefix (lowercase letters, digits, dashes). */
  uniqueName(prefix: string): string;
};

export type ScenarioOptions = {
  /** Per test (all its CLI runs); default 180 s. */
  readonly timeoutMs?: number;
  /** Only for CLIs this returns true for (e.g. features a CLI lacks); the others get no test. */
  readonly only?: (cli: CliBinary) => boolean;
  /** Extra environment for the test's Terrapod (e.g. a shorter runner heartbeat). */
  readonly serverEnv?: Readonly<Record<string, string>>;
};

const defaultRoot = "main";
let sequence = 0;

function safeName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100);
}

export function uniqueSuffix(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 10);
}

/** Registers `body` as one test per CLI of the matrix. */
export function scenario(
  name: string,
  body: (ctx: ScenarioContext) => Promise<void>,
  options: ScenarioOptions = {},
): void {
  const config = e2eConfig();
  for (const cli of config.clis) {
    if (options.only && !options.only(cli)) continue;
    const title = `[${cli.label}] ${name}`;
    test(title, () => runScenario(title, cli, body, options.serverEnv), options.timeoutMs ?? 180_000);
  }
}

async function runScenario(
  title: string,
  cli: CliBinary,
  body: (ctx: ScenarioContext) => Promise<void>,
  serverEnv: Readonly<Record<string, string>> = {},
): Promise<void> {
  const config = e2eConfig();
  const dir = config.keepDir
    ? join(config.keepDir, safeName(title))
    : await mkdtemp(join(tmpdir(), "terrapod-e2e-"));
  if (config.keepDir) await rm(dir, { recursive: true, force: true });
  const home = join(dir, "home");
  await mkdir(join(dir, "tmp"), { recursive: true });
  await mkdir(home, { recursive: true });

  const transcript: string[] = [];
  const pending = new Map<RunningCli, Promise<unknown>>();
  let server: TestServer | undefined;
  let failed = false;
  try {
    const certs = await createTestCertificates(join(dir, "certs"), config.openssl);
    const caPem = await readFile(certs.caCert, "utf8");
    server = await startTestServer({
      tls: { cert: certs.serverCert, key: certs.serverKey },
      env: { ...serverEnv },
    });
    const url = server.url;
    const hostname = new URL(url).host;
    const token = server.adminToken;
    const api = createApiClient(url, caPem, token);
    const organization = `e2e-${uniqueSuffix()}`;
    await createOrganization(api, organization);

    const cliConfig = join(home, "cli.tfrc");
    await writeFile(
      cliConfig,
      `disable_checkpoint = true\n\ncredentials "${hostname}" {\n  token = "${token}"\n}\n`,
    );
    const baseEnv: Record<string, string> = {
      HOME: home,
      PATH: "/usr/local/bin:/usr/bin:/bin",
      TMPDIR: join(dir, "tmp"),
      TF_CLI_CONFIG_FILE: cliConfig,
      SSL_CERT_FILE: certs.caCert,
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      LANG: "C.UTF-8",
    };

    const prepare = (args: readonly string[], options: CliOptions) => {
      const n = ++sequence;
      const env: Record<string, string> = { ...baseEnv, ...options.env };
      if (config.tfLog) {
        env.TF_LOG = config.tfLog;
        env.TF_LOG_PATH = join(dir, `cli-${String(n).padStart(3, "0")}.log`);
      }
      return {
        cmd: [cli.path, ...args],
        cwd: join(dir, options.cwd ?? defaultRoot),
        env,
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      };
    };
    const record = (result: CliResult) => {
      transcript.push(formatCliResult(result));
      return result;
    };

    const ctx: ScenarioContext = {
      cli,
      server,
      url,
      hostname,
      token,
      organization,
      workspace: `ws-${uniqueSuffix()}`,
      api,
      dir,
      async writeFiles(files, subdir = defaultRoot) {
        const root = join(dir, subdir);
        for (const [file, content] of Object.entries(files)) {
          await mkdir(dirname(join(root, file)), { recursive: true });
          await writeFile(join(root, file), content);
        }
        return root;
      },
      run(args, options = {}) {
        const running = startCli(prepare(args, options));
        return running.result.then(record);
      },
      start(args, options = {}) {
        const running = startCli(prepare(args, options));
        const settled = running.result.then(record);
        pending.set(running, settled);
        void settled.finally(() => pending.delete(running));
        return running;
      },
      cloudBlock(workspaces, org = organization) {
        const selection =
          "name" in workspaces
            ? `name = "${workspaces.name}"`
            : `tags = [${workspaces.tags.map((t) => `"${t}"`).join(", ")}]`;
        return [
          "terraform {",
          "  cloud {",
          `    hostname     = "${hostname}"`,
          `    organization = "${org}"`,
          "    workspaces {",
          `      ${selection}`,
          "    }",
          "  }",
          "}",
          "",
        ].join("\n");
      },
      createWorkspace: (name, attributes = {}, tags = []) =>
        createWorkspace(api, organization, name, attributes, tags),
      uniqueName: (prefix) => `${prefix}-${uniqueSuffix()}`,
    };
    await body(ctx);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // A started CLI that is still running when the test ends is killed, so nothing outlives the test.
    for (const running of pending.keys()) running.kill("SIGKILL");
    await Promise.allSettled([...pending.values()]);
    if (server) await server.stop().catch(() => {});
    const report = transcript.join("\n");
    if (failed && report) {
      console.error(`\n===== CLI output of ${title} =====\n${report}===== end of CLI output =====\n`);
    }
    if (config.keepDir) {
      await writeFile(join(dir, "transcript.txt"), report || "(no CLI run)\n");
      if (failed) console.error(`kept: ${dir}`);
    } else {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** Joins diagnostic boxes and wrapped lines into one line, so messages can be matched whole. */
export function flatten(text: string): string {
  return text.replace(/[│╷╵]/g, " ").replace(/\s+/g, " ").trim();
}
