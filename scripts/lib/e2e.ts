/**
 * The `e2e-*` phases: the real-client scenarios under e2e/ (bun test), once per Terrapod shape. The CLI
 * binaries come from scripts/build-clients.sh (built once per run, cached by version outside the
 * repository) and reach the tests as TERRAPOD_E2E_<CLI>_<VERSION> variables, read by e2e/config.ts.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { buildClients, cliEntries, runTestEnv } from "./clients.ts";
import { bunTestPhase, type Phase } from "./phases.ts";
import { mustRun, seconds } from "./proc.ts";
import { ensureRunSandboxTools } from "./tools.ts";

let clients: Promise<Record<string, string>> | undefined;

/**
 * build-clients.sh runs once per scripts/test run, however many phases need the clients; the phases that
 * execute runs (all that need the clients) also need the run sandbox's tools, installed meanwhile.
 */
export function sharedClients(): Promise<Record<string, string>> {
  clients ??= Promise.all([buildClients(), ensureRunSandboxTools()])
    .then(([built]) => built)
    .catch((err: unknown) => {
      clients = undefined;
      throw err;
    });
  return clients;
}

/** Every `*.test.ts` under e2e/, as sorted repo-relative paths. */
export async function e2eTestFiles(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "e2e"), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

const cliVariable = /^TERRAPOD_E2E_(TOFU|TERRAFORM)_\d+_\d+_\d+$/;

/**
 * `e2e-<backend>`. The pglite run needs no service (the embedded shape keeps events in memory and blobs
 * on disk); the postgres run is the production shape: PostgreSQL, Redis and S3.
 *
 * bun runs test files in one process; `--concurrent --max-concurrency 2` overlaps two scenarios (one
 * CLI process and one in-process server each), measured at 47 s -> 38 s for the whole matrix on 2 cores.
 */
export function e2ePhase(backend: "pglite" | "postgres"): Phase {
  return bunTestPhase({
    name: `e2e-${backend}`,
    description: `real tofu/terraform CLIs against Terrapod over https (${backend === "pglite" ? "embedded shape" : "PostgreSQL, Redis, S3"})`,
    ...(backend === "postgres" ? { needs: ["postgres", "redis", "s3"] as const } : {}),
    env: { TERRAPOD_TEST_BACKEND: backend },
    files: e2eTestFiles,
    args: ["--concurrent", "--max-concurrency", "2"],
    async prepare(ctx, env) {
      const built = await sharedClients();
      // A developer's own TERRAPOD_E2E_<CLI> exports must not add to the matrix of this run.
      for (const key of Object.keys(env)) if (cliVariable.test(key)) delete env[key];
      for (const [key, path] of cliEntries(built)) env[`TERRAPOD_E2E_${key}`] = path;
      Object.assign(env, runTestEnv(built));
      const started = Date.now();
      const entry = JSON.stringify(join(ctx.root, "packages/testing/src/index.ts"));
      await mustRun([process.execPath, "-e", `await (await import(${entry})).prepareTestDbTemplate();`], {
        cwd: ctx.root,
        env,
      });
      console.log(`database template ready [${seconds(Date.now() - started)}]`);
    },
  });
}
