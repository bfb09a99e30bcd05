/**
 * Installs what the test services need when it is missing: Debian packages through apt-get, and
 * Python tools into venvs cached outside the repository, under
 * `${TERRAPOD_TOOLS_DIR:-$HOME/.cache/terrapod/tools}`.
 */
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { mustRun, run } from "./proc.ts";

export function toolsDir(): string {
  return process.env.TERRAPOD_TOOLS_DIR || join(homedir(), ".cache", "terrapod", "tools");
}

export type AptNeed = {
  /** Debian package that provides it. */
  readonly pkg: string;
  /** True when it is already usable (a file exists, a module imports...). */
  readonly present: () => boolean | Promise<boolean>;
};

/**
 * bubblewrap: a server running as root sandboxes its runs with it (apps/server/src/executor/sandbox.ts),
 * so tests that execute runs need it; without root the server does not sandbox, and it is not needed.
 */
export function ensureRunSandboxTools(): Promise<void> {
  if (process.getuid?.() !== 0) return Promise.resolve();
  return ensureApt([{ pkg: "bubblewrap", present: () => !!Bun.which("bwrap") }]);
}

let aptUpdated: Promise<void> | undefined;
let aptQueue: Promise<unknown> = Promise.resolve();

/** Installs the packages whose `present()` is false; runs `apt-get update` once, and only then. */
export async function ensureApt(needs: readonly AptNeed[]): Promise<void> {
  const missing: string[] = [];
  for (const need of needs) if (!(await need.present())) missing.push(need.pkg);
  if (missing.length === 0) return;
  // apt holds a lock: installs from parallel service starts queue up here.
  const job = aptQueue.then(() => aptInstall([...new Set(missing)]));
  aptQueue = job.catch(() => {});
  await job;
}

/** Waits for a concurrent apt/dpkg (another install, unattended upgrades) instead of failing at once. */
const aptWait = ["-o", "DPkg::Lock::Timeout=300"];

async function aptInstall(pkgs: string[]): Promise<void> {
  const prefix = await privilegePrefix(pkgs);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  aptUpdated ??= (async () => {
    console.log("[tools] apt-get update");
    await mustRun([...prefix, "apt-get", "update", "-q", ...aptWait], { env });
  })().catch((err: unknown) => {
    aptUpdated = undefined;
    throw err;
  });
  await aptUpdated;
  console.log(`[tools] apt-get install ${pkgs.join(" ")}`);
  const started = Date.now();
  await mustRun(
    [...prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", ...aptWait, ...pkgs],
    {
      env,
    },
  );
  console.log(`[tools] installed ${pkgs.join(" ")} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

async function privilegePrefix(pkgs: string[]): Promise<string[]> {
  if (process.getuid?.() === 0) return [];
  if (Bun.which("sudo") && (await run(["sudo", "-n", "true"], { quiet: true })).code === 0)
    return ["sudo", "-n"];
  throw new Error(
    `missing Debian packages ${pkgs.join(" ")}: install them as root (apt-get install ${pkgs.join(" ")})`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Python tools

async function pythonWithVenv(): Promise<string> {
  const candidates = [Bun.which("python3"), "/usr/bin/python3"].filter((p): p is string => !!p);
  for (const python of candidates) {
    if ((await run([python, "-c", "import venv, ensurepip"], { quiet: true })).code === 0) return python;
  }
  // Debian splits venv/ensurepip into python3-venv.
  await ensureApt([
    { pkg: "python3", present: () => existsSync("/usr/bin/python3") },
    { pkg: "python3-venv", present: () => false },
  ]);
  return "/usr/bin/python3";
}

const venvs = new Map<string, Promise<string>>();

/**
 * A venv with exactly `requirement` installed, at `<tools>/<name>`; returns its directory. A
 * `.complete` marker is written last, so an interrupted install is redone rather than used.
 */
export function ensureVenv(name: string, requirement: string): Promise<string> {
  let venv = venvs.get(name);
  if (!venv) {
    venv = buildVenv(name, requirement);
    venvs.set(name, venv);
    venv.catch(() => venvs.delete(name));
  }
  return venv;
}

async function buildVenv(name: string, requirement: string): Promise<string> {
  const dir = join(toolsDir(), name);
  const marker = join(dir, ".complete");
  if (existsSync(marker) && existsSync(join(dir, "bin", "python"))) return dir;
  const started = Date.now();
  console.log(`[tools] pip install ${requirement} into ${dir}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(toolsDir(), { recursive: true });
  const python = await pythonWithVenv();
  await mustRun([python, "-m", "venv", dir]);
  await mustRun(
    [join(dir, "bin", "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement],
    {
      // Byte-compile at install time even where PYTHONDONTWRITEBYTECODE is set, so starts are fast.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: undefined },
    },
  );
  await writeFile(marker, `${requirement}\n`);
  console.log(`[tools] installed ${requirement} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return dir;
}
