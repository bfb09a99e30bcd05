/**
 * The only file under e2e/ that reads the environment. `scripts/test` (phases e2e-pglite, e2e-postgres)
 * sets these from the output of `scripts/build-clients.sh`; run by hand, export them yourself (see
 * docs/testing-real-clients.md). A missing or unusable client fails loudly: an e2e run never "passes"
 * without its clients.
 *
 *   TERRAPOD_E2E_TOFU_1_12_6=/path/to/tofu-1.12.6     one variable per CLI build (KEY as printed by
 *   TERRAPOD_E2E_TERRAFORM_1_5_7=/path/to/terraform   build-clients.sh, prefixed with TERRAPOD_E2E_)
 *   TERRAPOD_E2E_ONLY=tofu-1.12.6,terraform-1.5.7     optional: run only these CLIs of the matrix
 *   TERRAPOD_E2E_KEEP=1                               keep every test's dir (configs, CLI output)
 *   TERRAPOD_E2E_KEEP_DIR=path                        where kept dirs go (default test-results/e2e)
 *   TERRAPOD_E2E_TF_LOG=trace                         TF_LOG for the CLIs (their log lands in the kept dir)
 *   TERRAPOD_E2E_OPENSSL=/usr/bin/openssl             openssl used to make the throwaway CA
 *   TERRAPOD_TEST_BACKEND=pglite|postgres             read by @terrapod/testing, not here
 */
import { accessSync, constants } from "node:fs";
import { join } from "node:path";

export type CliName = "tofu" | "terraform";

export type CliBinary = {
  readonly name: CliName;
  /** "1.12.6" */
  readonly version: string;
  /** "tofu-1.12.6": used in test names and kept-dir names. */
  readonly label: string;
  readonly path: string;
};

export type E2eConfig = {
  readonly clis: readonly CliBinary[];
  /** Set when test dirs are kept: the directory they go to. */
  readonly keepDir: string | undefined;
  readonly tfLog: string | undefined;
  readonly openssl: string;
};

const repoRoot = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const hint =
  "run e2e tests through `scripts/test --only e2e`, or export TERRAPOD_E2E_<CLI>_<VERSION>=<path> for each " +
  "client printed by scripts/build-clients.sh (see docs/testing-real-clients.md)";

const cliVariable = /^TERRAPOD_E2E_(TOFU|TERRAFORM)_(\d+)_(\d+)_(\d+)$/;

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function loadConfig(env: Record<string, string | undefined>): E2eConfig {
  const clis: CliBinary[] = [];
  for (const [key, value] of Object.entries(env)) {
    const m = cliVariable.exec(key);
    if (!m || !value) continue;
    const name: CliName = m[1] === "TOFU" ? "tofu" : "terraform";
    const version = `${m[2]}.${m[3]}.${m[4]}`;
    if (!executable(value)) throw new Error(`${key}=${value} is not an executable file; ${hint}`);
    clis.push({ name, version, label: `${name}-${version}`, path: value });
  }
  const only = (env.TERRAPOD_E2E_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only.filter((label) => !clis.some((c) => c.label === label));
  if (unknown.length > 0) {
    throw new Error(
      `TERRAPOD_E2E_ONLY names ${unknown.join(", ")}, but only ${clis.map((c) => c.label).join(", ") || "no CLI"} is configured`,
    );
  }
  const selected = only.length > 0 ? clis.filter((c) => only.includes(c.label)) : clis;
  if (selected.length === 0) throw new Error(`no CLI configured for the e2e tests; ${hint}`);
  // tofu first, newest first: the order of the test names
  selected.sort((a, b) => a.name.localeCompare(b.name) * -1 || compareVersions(a.version, b.version));

  const keep = env.TERRAPOD_E2E_KEEP;
  const keepDir =
    keep && keep !== "0" && keep !== "false"
      ? (env.TERRAPOD_E2E_KEEP_DIR ?? join(repoRoot, "test-results", "e2e"))
      : undefined;
  const openssl = env.TERRAPOD_E2E_OPENSSL ?? "/usr/bin/openssl";
  if (!executable(openssl)) throw new Error(`openssl not found at ${openssl}; set TERRAPOD_E2E_OPENSSL`);
  return { clis: selected, keepDir, tfLog: env.TERRAPOD_E2E_TF_LOG || undefined, openssl };
}

let memo: E2eConfig | undefined;

/** The e2e configuration, read once; throws with a how-to when no client is configured. */
export function e2eConfig(): E2eConfig {
  memo ??= loadConfig(process.env);
  return memo;
}

/** Exposed for the config's own test. */
export const parseE2eConfig = loadConfig;
