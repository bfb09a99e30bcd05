import { describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { ConfigError, loadServerConfig } from "../config.ts";
import {
  bwrapArgv,
  localExecutionRefusal,
  runnerSpawn,
  type SandboxSpec,
  sandboxPaths,
  setprivArgv,
} from "./sandbox.ts";

const spec: SandboxSpec = {
  mode: "bwrap",
  uid: 999,
  gid: 995,
  bwrap: "/usr/bin/bwrap",
  setpriv: "/usr/bin/setpriv",
  dataDir: "/var/lib/terrapod",
  workDir: "/tmp/terrapod-runs-abc",
  binaryDir: "/root/.cache/tools/bin",
  providerMirror: "/root/.cache/tools/mirror",
  bun: "/usr/local/bin/bun",
  runnerProgram: "/tmp/terrapod-runner-x/runner.js",
  runnerHome: "/tmp/terrapod-runner-x",
};

/** The values following each occurrence of `flag` in argv. */
function after(argv: readonly string[], flag: string, count: number): string[][] {
  return argv.flatMap((arg, i) => (arg === flag ? [argv.slice(i + 1, i + 1 + count)] : []));
}

function configProblem(env: Record<string, string>): string {
  try {
    loadServerConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("the runners' work dir in the configuration", () => {
  test("defaults to one directory per data dir, in the temp dir, outside the data dir", () => {
    const a = loadServerConfig({ TERRAPOD_DATA_DIR: "/srv/a/data" }).runs.workDir;
    const b = loadServerConfig({ TERRAPOD_DATA_DIR: "/srv/b/data" }).runs.workDir;
    expect(dirname(a)).toBe(tmpdir());
    expect(a).toMatch(/\/terrapod-runs-[0-9a-f]{12}$/);
    expect(loadServerConfig({ TERRAPOD_DATA_DIR: "/srv/a/data/" }).runs.workDir).toBe(a);
    expect(b).not.toBe(a);
  });

  test.each([
    ["/srv/data/runner", "inside"],
    ["/srv/data", "the data dir itself"],
    ["/srv", "containing it"],
  ])("%s (%s) is a configuration error", (workDir) => {
    const message = configProblem({ TERRAPOD_DATA_DIR: "/srv/data", TERRAPOD_RUNNER_WORK_DIR: workDir });
    expect(message).toContain("TERRAPOD_RUNNER_WORK_DIR");
    expect(message).toContain("must be outside the data dir (/srv/data)");
  });

  test("a sibling whose name starts like the data dir is fine", () => {
    const config = loadServerConfig({
      TERRAPOD_DATA_DIR: "/srv/data",
      TERRAPOD_RUNNER_WORK_DIR: "/srv/data-runs",
    });
    expect(config.runs.workDir).toBe("/srv/data-runs");
  });

  test("the runner user and the unsandboxed switch", () => {
    const defaults = loadServerConfig({}).runs;
    expect(defaults.runnerUser).toBe("terrapod-runner");
    expect(defaults.unsandboxed).toBe(false);
    const set = loadServerConfig({
      TERRAPOD_RUNNER_USER: "tp_runs",
      TERRAPOD_EXECUTOR_UNSANDBOXED: "1",
    }).runs;
    expect(set).toMatchObject({ runnerUser: "tp_runs", unsandboxed: true });
    expect(configProblem({ TERRAPOD_RUNNER_USER: "Root; rm" })).toContain("TERRAPOD_RUNNER_USER");
    expect(configProblem({ TERRAPOD_EXECUTOR_UNSANDBOXED: "yes" })).toContain(
      "TERRAPOD_EXECUTOR_UNSANDBOXED",
    );
  });
});

describe("the runner's argv", () => {
  test("setpriv: the runner's uid and gid, no groups, no new privileges, no capabilities", () => {
    expect(setprivArgv(spec)).toEqual([
      "/usr/bin/setpriv",
      "--reuid=999",
      "--regid=995",
      "--clear-groups",
      "--no-new-privs",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--pdeathsig=SIGTERM",
      "--",
    ]);
    const spawn = runnerSpawn({ ...spec, mode: "setpriv" });
    expect(spawn.argv).toEqual([...setprivArgv(spec), spec.bun, spec.runnerProgram]);
    expect(spawn).toMatchObject({
      cwd: spec.runnerHome,
      home: spec.runnerHome,
      binaryDir: spec.binaryDir,
      providerMirror: spec.providerMirror,
      workDir: spec.workDir,
      infoFd: false,
    });
  });

  test("bwrap: namespaces, read-only root, fresh /proc /dev /tmp, the data dir hidden, the work dir writable", () => {
    const argv = bwrapArgv(spec, { infoFd: true });
    expect(argv[0]).toBe("/usr/bin/bwrap");
    for (const flag of ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"])
      expect(argv).toContain(flag);
    for (const flag of ["--die-with-parent", "--new-session", "--as-pid-1"]) expect(argv).toContain(flag);
    expect(argv).not.toContain("--unshare-net");
    expect(argv).not.toContain("--unshare-all");
    expect(after(argv, "--info-fd", 1)).toEqual([["3"]]);
    expect(after(argv, "--ro-bind", 2)).toEqual([
      ["/", "/"],
      [spec.bun, sandboxPaths.bun],
      [spec.runnerProgram, sandboxPaths.runner],
    ]);
    expect(after(argv, "--ro-bind-try", 2)).toEqual([
      [spec.binaryDir, sandboxPaths.engines],
      [spec.providerMirror ?? "", sandboxPaths.providers],
    ]);
    expect(after(argv, "--tmpfs", 1)).toEqual([["/tmp"], [spec.dataDir]]);
    expect(after(argv, "--bind", 2)).toEqual([[spec.workDir, spec.workDir]]);
    expect(after(argv, "--proc", 1)).toEqual([["/proc"]]);
    expect(after(argv, "--dev", 1)).toEqual([["/dev"]]);
    // order matters: the root first, then what hides or replaces parts of it
    const at = (flag: string, value: string) => argv.findIndex((a, i) => a === flag && argv[i + 1] === value);
    expect(at("--ro-bind", "/")).toBeLessThan(at("--tmpfs", "/tmp"));
    expect(at("--tmpfs", "/tmp")).toBeLessThan(at("--tmpfs", spec.dataDir));
    expect(at("--tmpfs", "/tmp")).toBeLessThan(at("--bind", spec.workDir));
    expect(argv.at(-1)).toBe("--");
    expect(bwrapArgv(spec, { infoFd: false })).not.toContain("--info-fd");
  });

  test("bwrap: the runner runs through setpriv and sees neutral paths", () => {
    const spawn = runnerSpawn(spec);
    // bwrap itself dies with the server (it is not told otherwise), taking the sandbox with it
    expect(spawn.argv.slice(0, 3)).toEqual([spec.setpriv, "--pdeathsig=SIGKILL", "--"]);
    const wrapped = spawn.argv.slice(3);
    expect(wrapped[0]).toBe(spec.bwrap);
    const inner = wrapped.slice(wrapped.indexOf("--") + 1);
    expect(inner).toEqual([...setprivArgv(spec), sandboxPaths.bun, sandboxPaths.runner]);
    expect(spawn).toMatchObject({
      home: sandboxPaths.root,
      binaryDir: sandboxPaths.engines,
      providerMirror: sandboxPaths.providers,
      workDir: spec.workDir,
      infoFd: true,
    });
    expect(runnerSpawn({ ...spec, providerMirror: undefined }).argv).not.toContain(sandboxPaths.providers);
    expect(runnerSpawn({ ...spec, providerMirror: undefined }).providerMirror).toBeUndefined();
  });

  test("bwrap: directories on the fresh /tmp that the runner passes through are 0755", () => {
    const dirs = (workDir: string) =>
      after(bwrapArgv({ ...spec, workDir }, { infoFd: false }), "--dir", 1).map(([d]) => d);
    expect(dirs("/tmp/a/b/runs")).toEqual([sandboxPaths.root, "/tmp/a", "/tmp/a/b"]);
    expect(dirs("/tmp/runs")).toEqual([sandboxPaths.root]);
    expect(dirs("/var/lib/runs")).toEqual([sandboxPaths.root]);
    expect(after(bwrapArgv(spec, { infoFd: false }), "--perms", 2)).toContainEqual(["0755", "--dir"]);
  });

  test("none: the runner program as is, in the work dir", () => {
    const spawn = runnerSpawn({ ...spec, mode: "none", runnerProgram: "/repo/apps/runner/src/main.ts" });
    expect(spawn.argv).toEqual([spec.bun, "/repo/apps/runner/src/main.ts"]);
    expect(spawn).toMatchObject({ cwd: spec.workDir, home: spec.workDir, binaryDir: spec.binaryDir });
  });
});

describe("local execution without root", () => {
  const external = {
    DATABASE_URL: "postgres://db/terrapod",
    TERRAPOD_ENCRYPTION_KEY: "k=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    TERRAPOD_CAPABILITY_KEY: "Y2FwYWJpbGl0eS1rZXktZm9yLXRlc3RzLTMyYnl0ZXM=",
  };
  const cases: Record<string, [Record<string, string>, number, boolean]> = {
    "embedded, not root": [{}, 1000, false],
    "external database, root": [external, 0, false],
    "external database, not root": [external, 1000, true],
    "external database, not root, TERRAPOD_EXECUTOR_UNSANDBOXED=1": [
      { ...external, TERRAPOD_EXECUTOR_UNSANDBOXED: "1" },
      1000,
      false,
    ],
    "external database, not root, TERRAPOD_EXECUTOR=none": [
      { ...external, TERRAPOD_EXECUTOR: "none" },
      1000,
      false,
    ],
  };

  test.each(Object.keys(cases))("%s", (name) => {
    const [env, uid, refused] = cases[name] ?? [{}, 0, false];
    const refusal = localExecutionRefusal(loadServerConfig(env), uid);
    expect(refusal !== undefined).toBe(refused);
    if (refusal) expect(refusal).toContain("TERRAPOD_EXECUTOR_UNSANDBOXED=1");
  });
});
