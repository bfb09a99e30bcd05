/**
 * Fencing with the real runner program and engine (tofu) against a fake server: a runner whose server
 * refuses its heartbeat, or whose server process died, kills its engine's process group at once, tries
 * to upload an apply's state once, reports nothing and exits.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { ArtifactName, JobSpec } from "@terrapod/runner-protocol";
import { pack } from "tar-stream";
import { type FakeJob, type FakeRunnerServer, startFakeRunnerServer } from "./testing/fake-runner-server.ts";
import { engineBinaryDir } from "./testing/testing-env.ts";

const binaryDir = engineBinaryDir();
const mainPath = resolve(import.meta.dir, "main.ts");
const token = "job-token-fencing-0123456789";
const servers: FakeRunnerServer[] = [];
const scratch: string[] = [];
const pids = new Set<number>();

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});
afterAll(async () => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

async function slugOf(mainTf: string): Promise<Uint8Array> {
  const p = pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of p) if (chunk instanceof Uint8Array) chunks.push(chunk);
  })();
  await new Promise<void>((ok, fail) =>
    p.entry({ name: "main.tf", mode: 0o644 }, mainTf, (e) => (e ? fail(e) : ok())),
  );
  p.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}

const specOf = (phase: JobSpec["phase"]): JobSpec => ({
  version: 1,
  runId: `run-fence-${Math.random().toString(36).slice(2, 10)}`,
  phase,
  attempt: 1,
  workspace: { id: "ws-test", name: "test", organization: "acme", workingDirectory: "" },
  engine: "tofu",
  engineVersion: "1.12.6",
  operation: {
    isDestroy: false,
    refresh: true,
    refreshOnly: false,
    targetAddrs: [],
    replaceAddrs: [],
    allowEmptyApply: false,
    planOnly: false,
  },
  variables: [],
  heartbeatIntervalSeconds: 1,
});

async function runnerEnv(server: FakeRunnerServer): Promise<Record<string, string>> {
  const workDir = await mkdtemp(join(tmpdir(), "terrapod-fence-test-"));
  scratch.push(workDir);
  return {
    PATH: Bun.env.PATH ?? "/usr/bin:/bin",
    TERRAPOD_RUNNER_SERVER_URL: server.url,
    TERRAPOD_RUNNER_TOKEN: token,
    TERRAPOD_BINARY_DIR: binaryDir,
    TERRAPOD_RUNNER_WORK_DIR: workDir,
    TERRAPOD_RUNNER_GRACE_SECONDS: "30",
    TERRAPOD_RUNNER_LOG_LEVEL: "debug",
  };
}

/** The plan of `mainTf` (its artifacts are what the apply needs). */
async function planned(mainTf: string): Promise<Partial<Record<ArtifactName, Uint8Array>>> {
  const server = startFakeRunnerServer({ spec: specOf("plan"), archive: await slugOf(mainTf) }, token);
  servers.push(server);
  const proc = Bun.spawn([process.execPath, mainPath], {
    env: await runnerEnv(server),
    stdout: "ignore",
    stderr: "ignore",
  });
  expect(await proc.exited).toBe(0);
  expect(server.results[0]?.status).toBe("finished");
  return Object.fromEntries(server.artifacts);
}

/** Pids of live processes whose command line contains `marker`. */
async function withCommand(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    const zombie = / Z /.test(stat.slice(stat.lastIndexOf(")")));
    if (!zombie && cmdline.replaceAll("\0", " ").includes(marker)) found.push(Number(name));
  }
  return found;
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await cond())) {
    if (performance.now() - started > timeoutMs) throw new Error("timed out");
    await Bun.sleep(50);
  }
  return Math.round(performance.now() - started);
}

const slowApply = (marker: string) => `resource "terraform_data" "fast" { input = "fast" }
resource "terraform_data" "slow" {
  depends_on = [terraform_data.fast]
  provisioner "local-exec" { command = "sleep 60; echo ${marker}" }
}
`;

describe("a fenced runner", () => {
  test("a heartbeat refused with 409 mid-apply: the engine is killed at once, the state tried once, no result", async () => {
    const marker = `fence-409-${crypto.randomUUID().slice(0, 8)}`;
    const mainTf = slowApply(marker);
    const job: FakeJob = {
      spec: specOf("apply"),
      archive: await slugOf(mainTf),
      artifacts: await planned(mainTf),
    };
    let refuse = false;
    const server = startFakeRunnerServer(job, token, { refuseHeartbeat: () => (refuse ? 409 : undefined) });
    servers.push(server);
    const proc = Bun.spawn([process.execPath, mainPath], {
      env: await runnerEnv(server),
      stdout: "pipe",
      stderr: "pipe",
    });
    pids.add(proc.pid);
    const output = new Response(proc.stdout).text();
    await until(async () => (await withCommand(marker)).length > 0, 60_000);
    refuse = true;
    const code = await proc.exited;
    expect(code).toBe(1);
    expect(await withCommand(marker)).toEqual([]);
    expect(server.results).toEqual([]);
    // The apply had created `fast`: its state was offered once (the server still answered).
    expect(server.stateUploads.length).toBe(1);
    expect(await output).toContain("fenced");
  }, 120_000);

  test("its server process died (the parent changed): the engine is killed within seconds, no result", async () => {
    const marker = `fence-parent-${crypto.randomUUID().slice(0, 8)}`;
    const mainTf = slowApply(marker);
    const job: FakeJob = {
      spec: specOf("apply"),
      archive: await slugOf(mainTf),
      artifacts: await planned(mainTf),
    };
    const server = startFakeRunnerServer(job, token);
    servers.push(server);
    // A stand-in for the server: it starts the runner (its child) and says its pid.
    const script = `const p = Bun.spawn([process.execPath, ${JSON.stringify(mainPath)}], { env: process.env, stdout: "ignore", stderr: "ignore" }); console.log(p.pid); await p.exited;`;
    const parent = Bun.spawn([process.execPath, "-e", script], {
      env: await runnerEnv(server),
      stdout: "pipe",
    });
    pids.add(parent.pid);
    const reader = parent.stdout.getReader();
    const runnerPid = Number(new TextDecoder().decode((await reader.read()).value).trim());
    pids.add(runnerPid);
    await until(async () => (await withCommand(marker)).length > 0, 60_000);
    parent.kill("SIGKILL");
    const runnerAlive = async () => {
      const stat = await readFile(`/proc/${runnerPid}/stat`, "utf8").catch(() => "");
      return stat !== "" && !/ Z /.test(stat.slice(stat.lastIndexOf(")")));
    };
    const engineGoneMs = await until(async () => (await withCommand(marker)).length === 0, 10_000);
    const runnerGoneMs = await until(async () => !(await runnerAlive()), 25_000);
    expect(engineGoneMs).toBeLessThan(3000);
    expect(runnerGoneMs).toBeLessThan(25_000);
    expect(server.results).toEqual([]);
    expect(server.stateUploads.length).toBeLessThanOrEqual(1);
  }, 120_000);
});
