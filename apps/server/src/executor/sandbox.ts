/**
 * How the embedded executor starts a runner (pure: no I/O). Runs are untrusted code: as root, a runner
 * runs as its own unprivileged uid (setpriv: no supplementary groups, no_new_privs, no capabilities) and,
 * where bubblewrap works, in its own pid/ipc/uts/cgroup namespaces with the filesystem read-only, the
 * data dir hidden, a private /tmp, and only the work dir writable. Not as root, it runs unsandboxed.
 */
import type { ServerConfig } from "../config.ts";

export type SandboxMode = "bwrap" | "setpriv" | "none";

/** What the sandbox is built from (host paths). */
export type SandboxSpec = Readonly<{
  mode: SandboxMode;
  /** The runner's uid and gid (unused in `none`). */
  uid: number;
  gid: number;
  /** Paths of the sandboxing programs. */
  bwrap: string;
  setpriv: string;
  dataDir: string;
  workDir: string;
  binaryDir: string;
  providerMirror: string | undefined;
  /** The bun executable and the runner program it runs (a single-file bundle when sandboxed). */
  bun: string;
  runnerProgram: string;
  /** A root-owned directory the runner may read but not write: its cwd and HOME (setpriv). */
  runnerHome: string;
}>;

/** How to spawn one runner, and the paths as the runner sees them. */
export type RunnerSpawn = Readonly<{
  argv: readonly string[];
  cwd: string;
  home: string;
  workDir: string;
  binaryDir: string;
  providerMirror: string | undefined;
  /**
   * bwrap does not forward signals, so the runner is the init of its pid namespace and bwrap reports its
   * pid on fd 3 (`--info-fd`): signals meant for the runner go to that pid.
   */
  infoFd: boolean;
}>;

/** Where the runner finds its program, engines and providers inside bwrap (on the sandbox's own /tmp). */
export const sandboxPaths = {
  root: "/tmp/.terrapod",
  bun: "/tmp/.terrapod/bun",
  runner: "/tmp/.terrapod/runner.js",
  engines: "/tmp/.terrapod/engines",
  providers: "/tmp/.terrapod/providers",
} as const;

/** `setpriv …  --`: the runner's uid/gid, no supplementary groups, no new privileges, no capabilities. */
export function setprivArgv(spec: SandboxSpec): string[] {
  return [
    spec.setpriv,
    `--reuid=${spec.uid}`,
    `--regid=${spec.gid}`,
    "--clear-groups",
    "--no-new-privs",
    "--inh-caps=-all",
    "--bounding-set=-all",
    // When its parent dies (the server, or bwrap), the runner gets SIGTERM and fences itself. Not SIGKILL,
    // which a change of uid would clear anyway: under bwrap the runner is its pid namespace's init, which
    // the kernel spares every signal it has no handler for, SIGKILL included.
    "--pdeathsig=SIGTERM",
    "--",
  ];
}

/** `bwrap … --`: namespaces, a read-only filesystem without the data dir, the work dir writable. */
export function bwrapArgv(spec: SandboxSpec, opts: { infoFd: boolean }): string[] {
  const p = sandboxPaths;
  return [
    spec.bwrap,
    ...["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"],
    ...["--die-with-parent", "--new-session", "--as-pid-1"],
    ...(opts.infoFd ? ["--info-fd", "3"] : []),
    ...["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"],
    ...["--perms", "1777", "--tmpfs", "/tmp"],
    // bwrap creates missing mount points' parents 0700: those the runner must pass through are made 0755
    ...[p.root, ...ancestorsBelowTmp(spec.workDir)].flatMap((dir) => ["--perms", "0755", "--dir", dir]),
    ...["--tmpfs", spec.dataDir],
    ...["--bind", spec.workDir, spec.workDir],
    ...["--ro-bind", spec.bun, p.bun, "--ro-bind", spec.runnerProgram, p.runner],
    // missing ones become a readable error of the runner ("tofu 1.12.6 is not available …")
    ...["--ro-bind-try", spec.binaryDir, p.engines],
    ...(spec.providerMirror ? ["--ro-bind-try", spec.providerMirror, p.providers] : []),
    ...["--chdir", p.root],
    "--",
  ];
}

/** `/tmp/a/b/c` → `/tmp/a`, `/tmp/a/b`: the directories bwrap creates on its fresh /tmp for `c`. */
function ancestorsBelowTmp(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  if (parts[0] !== "tmp") return [];
  return parts.slice(1, -1).map((_, i) => `/${parts.slice(0, i + 2).join("/")}`);
}

/** The argv, cwd and runner-visible paths for the spec's mode. */
export function runnerSpawn(spec: SandboxSpec): RunnerSpawn {
  switch (spec.mode) {
    case "bwrap":
      return {
        argv: [
          // bwrap is not told when the server dies: it gets SIGKILL then, and its --die-with-parent takes
          // the runner (the namespace's init) and with it every process of the sandbox
          ...[spec.setpriv, "--pdeathsig=SIGKILL", "--"],
          ...bwrapArgv(spec, { infoFd: true }),
          ...setprivArgv(spec),
          sandboxPaths.bun,
          sandboxPaths.runner,
        ],
        cwd: spec.workDir,
        home: sandboxPaths.root,
        workDir: spec.workDir,
        binaryDir: sandboxPaths.engines,
        providerMirror: spec.providerMirror ? sandboxPaths.providers : undefined,
        infoFd: true,
      };
    case "setpriv":
      return {
        argv: [...setprivArgv(spec), spec.bun, spec.runnerProgram],
        cwd: spec.runnerHome,
        home: spec.runnerHome,
        workDir: spec.workDir,
        binaryDir: spec.binaryDir,
        providerMirror: spec.providerMirror,
        infoFd: false,
      };
    case "none":
      return {
        argv: [spec.bun, spec.runnerProgram],
        cwd: spec.workDir,
        home: spec.workDir,
        workDir: spec.workDir,
        binaryDir: spec.binaryDir,
        providerMirror: spec.providerMirror,
        infoFd: false,
      };
  }
}

/**
 * Why local execution is refused, if it is: not root (so runs would have the server's own identity)
 * with an external database, unless TERRAPOD_EXECUTOR_UNSANDBOXED=1.
 */
export function localExecutionRefusal(config: ServerConfig, uid: number | undefined): string | undefined {
  if (config.runs.executor !== "local" || uid === 0 || config.runs.unsandboxed) return undefined;
  if (config.mode !== "production") return undefined;
  return (
    "TERRAPOD_EXECUTOR=local with DATABASE_URL needs the server to run as root, so that runs are " +
    "sandboxed (their own uid, no view of the data dir, keys or environment); run as root, use " +
    "TERRAPOD_EXECUTOR=none with an external executor, or set TERRAPOD_EXECUTOR_UNSANDBOXED=1"
  );
}
