/**
 * Prepares the embedded executor's sandbox once, at start (see sandbox.ts for what it is). As root: the
 * runners' user (created when missing), the data dir 0700, the work dir owned by that user 0700, the
 * runner program bundled into one root-owned file the user can read, and a probe of bubblewrap. Not as
 * root: a warning, and the runner from source with the server's own uid.
 */
import { constants as fsConstants } from "node:fs";
import { chmod, mkdir, mkdtemp, open, readdir, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ConfigError, type ServerConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import {
  bwrapArgv,
  localExecutionRefusal,
  type RunnerSpawn,
  runnerSpawn,
  type SandboxMode,
  type SandboxSpec,
  sandboxPaths,
  setprivArgv,
} from "./sandbox.ts";

export type PreparedSandbox = Readonly<{
  mode: SandboxMode;
  runner: RunnerSpawn;
  /** Makes sure the work dir exists, owned by the runners' user (before each spawn). */
  ensureWorkDir(): Promise<void>;
  /** Removes the runner bundle, and the work dir when runners left nothing in it. */
  dispose(): Promise<void>;
}>;

/** The runner program's entry point in this checkout. */
const runnerEntry = join(import.meta.dir, "..", "..", "..", "runner", "src", "main.ts");

type Exec = { code: number; out: string; err: string };

async function exec(cmd: readonly string[]): Promise<Exec> {
  const proc = Bun.spawn([...cmd], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, out, err };
}

export async function prepareRunnerSandbox(config: ServerConfig, log: Logger): Promise<PreparedSandbox> {
  const uid = process.getuid?.();
  const refusal = localExecutionRefusal(config, uid);
  if (refusal) throw new ConfigError([refusal]);
  const { runs } = config;
  const base: SandboxSpec = {
    mode: "none",
    uid: uid ?? -1,
    gid: process.getgid?.() ?? -1,
    bwrap: "bwrap",
    setpriv: "setpriv",
    dataDir: config.dataDir,
    workDir: runs.workDir,
    binaryDir: runs.binaryDir,
    providerMirror: runs.providerMirror,
    bun: process.execPath,
    runnerProgram: runnerEntry,
    runnerHome: runs.workDir,
  };
  const setpriv = Bun.which("setpriv");
  if (uid !== 0 || !setpriv) {
    if (uid === 0 && !runs.unsandboxed) {
      throw new Error(
        "setpriv (util-linux) is not installed: runs cannot be given their own uid; install util-linux, or set TERRAPOD_EXECUTOR_UNSANDBOXED=1",
      );
    }
    log.warn(
      { uid, workDir: runs.workDir },
      `runs are not sandboxed: runners run with the server's own uid (${uid}) and can read what it can; run the server as root to sandbox them`,
    );
    const ensureWorkDir = () => claimWorkDir(runs.workDir, undefined);
    await ensureWorkDir();
    return {
      mode: "none",
      runner: runnerSpawn(base),
      ensureWorkDir,
      dispose: () => removeIfEmpty(runs.workDir),
    };
  }
  return prepareAsRoot(config, log, { ...base, setpriv });
}

async function prepareAsRoot(config: ServerConfig, log: Logger, base: SandboxSpec): Promise<PreparedSandbox> {
  const user = config.runs.runnerUser;
  const { uid, gid } = await ensureRunnerUser(user);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700);
  const ensureWorkDir = () => claimWorkDir(base.workDir, { uid, gid, user });
  await ensureWorkDir();
  const binDir = await bundleRunner(dirname(base.workDir));
  const spec: SandboxSpec = {
    ...base,
    mode: "setpriv",
    uid,
    gid,
    bwrap: Bun.which("bwrap") ?? "bwrap",
    runnerProgram: join(binDir, "runner.js"),
    runnerHome: binDir,
  };
  const mode = await bwrapOrSetpriv(spec, log);
  if (mode === "setpriv") {
    const unreachable = await unreachablePaths(spec);
    if (unreachable.length > 0) {
      log.warn(
        { user, paths: unreachable },
        `the runners' user ${user} cannot read these (and bubblewrap, which would bind them, is not in use): phases that need them will fail`,
      );
    }
  }
  log.info({ mode, user, uid, gid, workDir: base.workDir }, "runs are sandboxed");
  return {
    mode,
    runner: runnerSpawn({ ...spec, mode }),
    ensureWorkDir,
    async dispose() {
      await rm(binDir, { recursive: true, force: true });
      await removeIfEmpty(base.workDir);
    },
  };
}

/** uid and gid of the runners' user, created (as a system user without home or shell) when missing. */
async function ensureRunnerUser(user: string): Promise<{ uid: number; gid: number }> {
  let failure = "";
  for (let attempt = 1; attempt <= 5; attempt++) {
    const entry = await exec(["getent", "passwd", user]);
    const [, , uid, gid] = entry.out.trim().split(":");
    if (entry.code === 0 && uid !== undefined && gid !== undefined) {
      if (Number(uid) === 0 || Number(gid) === 0) {
        throw new ConfigError([
          `TERRAPOD_RUNNER_USER ${user} is root (uid or gid 0): runs need their own user`,
        ]);
      }
      return { uid: Number(uid), gid: Number(gid) };
    }
    if ((await exec(["getent", "group", user])).code !== 0) {
      const group = await exec(["groupadd", "--system", user]);
      failure = group.code === 0 ? "" : `groupadd: ${group.err.trim()}`;
    }
    const created = await exec([
      ...["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"],
      ...["-g", user, user],
    ]);
    // Another server on this machine may be creating it at the same moment: the next look finds it.
    if (created.code !== 0) {
      failure = `useradd: ${created.err.trim()}`;
      await Bun.sleep(100 * attempt);
    }
  }
  throw new Error(`cannot create the runners' user ${user}: ${failure}`);
}

/**
 * The work dir, created when missing and then owned by the runners' user, 0700 (as root), or by this
 * process's user (not root). An existing directory is taken over only when it is already ours, or an
 * empty one of root's that is not group/world-writable: never /tmp, a home or someone else's directory.
 */
async function claimWorkDir(
  workDir: string,
  owner: { uid: number; gid: number; user: string } | undefined,
): Promise<void> {
  await mkdir(dirname(workDir), { recursive: true });
  await mkdir(workDir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  const expected = owner?.uid ?? process.getuid?.();
  // opened without following a symlink, so what is checked is what is changed
  const dir = await open(workDir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
  try {
    const st = await dir.stat();
    const adoptable = st.uid === 0 && (st.mode & 0o022) === 0 && (await readdir(workDir)).length === 0;
    if (st.uid !== expected && !adoptable) {
      throw new ConfigError([
        `TERRAPOD_RUNNER_WORK_DIR ${workDir} exists and belongs to uid ${st.uid}, not to ${owner?.user ?? `uid ${expected}`}: remove it or choose another directory`,
      ]);
    }
    if (owner) await dir.chown(owner.uid, owner.gid);
    await dir.chmod(0o700);
  } finally {
    await dir.close();
  }
}

async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT" && err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
  });
}

/**
 * The runner program as one file (`Bun.build`, target bun) in a fresh root-owned directory, 0755/0644:
 * the runners' user reads it, and neither it nor a run can change it (nor the directory).
 */
async function bundleRunner(parent: string): Promise<string> {
  const built = await Bun.build({ entrypoints: [runnerEntry], target: "bun" });
  const [output] = built.outputs;
  if (!built.success || !output) {
    throw new Error(`cannot bundle the runner program: ${built.logs.map(String).join("; ")}`);
  }
  const dir = await mkdtemp(join(parent, "terrapod-runner-"));
  await chmod(dir, 0o755);
  const file = join(dir, "runner.js");
  await writeFile(file, await output.text(), { mode: 0o644, flag: "wx" });
  await chmod(file, 0o644);
  return dir;
}

/** `bwrap` when it is installed and a sandbox starts here (checked once), else `setpriv`. */
async function bwrapOrSetpriv(spec: SandboxSpec, log: Logger): Promise<SandboxMode> {
  if (!Bun.which(spec.bwrap)) {
    log.warn(
      "bubblewrap (bwrap) is not installed: runs get their own uid (setpriv) but no namespaces, and see the filesystem as that user may; install the bubblewrap package",
    );
    return "setpriv";
  }
  const probe = await exec([
    ...bwrapArgv(spec, { infoFd: false }),
    ...setprivArgv(spec),
    sandboxPaths.bun,
    "--version",
  ]);
  if (probe.code === 0) return "bwrap";
  log.warn(
    { code: probe.code, stderr: probe.err.trim().slice(0, 500) },
    "bubblewrap does not work here: runs get their own uid (setpriv) but no namespaces",
  );
  return "setpriv";
}

/** What the runners' user cannot read (or enter, or run) without bubblewrap binding it for it. */
async function unreachablePaths(spec: SandboxSpec): Promise<string[]> {
  const checks: [string, string[]][] = [
    [spec.bun, ["-x"]],
    [spec.runnerProgram, []],
    [spec.binaryDir, ["-x"]],
    ...(spec.providerMirror ? [[spec.providerMirror, ["-x"]] as [string, string[]]] : []),
  ];
  const unreachable: string[] = [];
  for (const [path, more] of checks) {
    const test = ["test", "-r", path, ...more.flatMap((flag) => ["-a", flag, path])];
    if ((await exec([...setprivArgv(spec), ...test])).code !== 0) unreachable.push(path);
  }
  return unreachable;
}
