import { constants as fsConstants } from "node:fs";
import { lstat, mkdir, mkdtemp, open, realpath, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";

/**
 * The per-job working directory (0700). The configuration is extracted into `config/`; everything the
 * runner itself writes (state, variables, plan files, JSON documents) lives beside it, outside the
 * configuration tree, so no file of the configuration can stand in for one of them.
 */
export type JobDirs = Readonly<{
  root: string;
  config: string;
  home: string;
  tmp: string;
  stateFile: string;
  varFile: string;
  planFile: string;
  speculativePlanFile: string;
  /** The plan phase's lock file, as downloaded by the apply phase. */
  lockFile: string;
  planJson: string;
  providerSchemas: string;
  stateJson: string;
}>;

/**
 * Paths stay short: providers listen on unix sockets created in the engine's TMPDIR, and a socket path
 * may not exceed 107 bytes (a deep data dir plus a long run id broke go-plugin's handshake).
 */
export async function createJobDirs(parent: string, runId: string, phase: string): Promise<JobDirs> {
  await mkdir(parent, { recursive: true });
  const safe = `${runId.slice(-8)}-${phase[0] ?? "x"}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const root = await mkdtemp(join(parent, `tp-${safe}-`));
  const dir = async (name: string) => {
    const path = join(root, name);
    await mkdir(path, { mode: 0o700 });
    return path;
  };
  const [home, state, work, out] = await Promise.all([dir("home"), dir("state"), dir("work"), dir("out")]);
  // The engine's TMPDIR: under the system temp dir unless that path is long too.
  const base = tmpdir().length <= 40 ? tmpdir() : root;
  const tmp = await mkdtemp(join(base, "tpt-"));
  return {
    root,
    config: join(root, "config"),
    home,
    tmp,
    stateFile: join(state, "terraform.tfstate"),
    varFile: join(work, "terrapod.tfvars"),
    planFile: join(work, "tfplan"),
    speculativePlanFile: join(work, "speculative.tfplan"),
    lockFile: join(work, "lock-file"),
    planJson: join(out, "plan.json"),
    providerSchemas: join(out, "provider-schemas.json"),
    stateJson: join(out, "state.json"),
  };
}

export class WorkingDirectoryError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "WorkingDirectoryError";
  }
}

/**
 * The root module's directory: `workingDirectory` (relative, no `..`) inside the configuration, which
 * must exist as a directory and, once symlinks are resolved, still be inside the configuration.
 */
export async function resolveWorkingDirectory(configRoot: string, workingDirectory: string): Promise<string> {
  const wd = workingDirectory.trim();
  if (wd.includes("\0") || wd.includes("\\")) {
    throw new WorkingDirectoryError(`working directory ${JSON.stringify(wd)} is not a valid path`);
  }
  if (wd.startsWith("/"))
    throw new WorkingDirectoryError(`working directory ${JSON.stringify(wd)} is absolute`);
  const segments = wd.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) {
    throw new WorkingDirectoryError(`working directory ${JSON.stringify(wd)} leaves the configuration`);
  }
  const root = await realpath(configRoot);
  let resolved: string;
  try {
    resolved = await realpath(join(root, ...segments));
  } catch (err) {
    throw new WorkingDirectoryError(
      `working directory ${JSON.stringify(wd)} does not exist in the configuration`,
      {
        cause: err,
      },
    );
  }
  if (resolved !== root && !resolved.startsWith(root + sep)) {
    throw new WorkingDirectoryError(`working directory ${JSON.stringify(wd)} leaves the configuration`);
  }
  if (!(await lstat(resolved)).isDirectory()) {
    throw new WorkingDirectoryError(`working directory ${JSON.stringify(wd)} is not a directory`);
  }
  return resolved;
}

/** `to` relative to `from`, with `/` separators (for HCL). */
export function relativePath(from: string, to: string): string {
  return relative(from, to).split(sep).join("/");
}

/**
 * Writes a file the runner owns inside the configuration tree (override file, lock file): whatever
 * the configuration put at that path (a file or a symlink) is removed first, and the new file is
 * created exclusively without following links.
 */
export async function writeFileReplacing(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  try {
    const existing = await lstat(path);
    if (existing.isDirectory())
      throw new WorkingDirectoryError(`${path} is a directory in the configuration`);
    await unlink(path);
  } catch (err) {
    if (!(err instanceof Error && "code" in err && err.code === "ENOENT")) throw err;
  }
  const handle = await open(
    path,
    fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW,
    mode,
  );
  try {
    await handle.writeFile(data);
    await handle.chmod(mode);
  } finally {
    await handle.close();
  }
}

/** The file's bytes if it is a regular file (not a symlink), else undefined. */
export async function readRegularFile(path: string): Promise<Uint8Array | undefined> {
  try {
    const stat = await lstat(path);
    if (!stat.isFile()) return undefined;
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return undefined;
    throw err;
  }
  return new Uint8Array(await Bun.file(path).arrayBuffer());
}
