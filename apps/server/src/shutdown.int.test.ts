import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testBinaryDir } from "@terrapod/testing";
import {
  createServerSite,
  createWorkspace,
  freePort,
  json,
  largeState,
  queueRun,
  runAttributes,
  type ServerProcess,
  type ServerSite,
  slowStream,
  startServerProcess,
  waitForProcess,
  waitForRun,
  waitReady,
} from "./testing/server-process.ts";

/**
 * A draining shutdown of the real server program (in the test backend's shape): on SIGTERM it claims
 * nothing more, lets running phases finish within TERRAPOD_SHUTDOWN_GRACE_MS, interrupts what is left
 * (plans go back to the queue, applies save their state and error), and keeps answering HTTP until its
 * runners are done. Every shutdown is timed: all of it fits the grace.
 */
const sites: ServerSite[] = [];
const servers: ServerProcess[] = [];
let binaryDir = "";
/** A process exits a little after its shutdown completed (runtime teardown). */
const exitSlackMs = 1500;

beforeAll(async () => {
  const bin = testBinaryDir();
  if (!bin) throw new Error("TERRAPOD_TEST_BINARY_DIR is not set: these tests execute real runs");
  // tofu behind a wrapper whose plan waits while `slow-plan` exists (a plan takes no provisioners).
  binaryDir = await mkdtemp(join(tmpdir(), "tp-engines-"));
  await mkdir(join(binaryDir, "wrapped"));
  await copyFile(join(bin, "tofu-1.12.6"), join(binaryDir, "wrapped", "tofu"));
  await writeFile(
    join(binaryDir, "tofu-1.12.6"),
    [
      "#!/bin/sh",
      'dir=$(dirname "$0")',
      'if [ "$1" = plan ] && [ -e "$dir/slow-plan" ]; then sleep 61; fi',
      'exec "$dir/wrapped/tofu" "$@"',
      "",
    ].join("\n"),
  );
  for (const path of [binaryDir, join(binaryDir, "wrapped")]) await chmod(path, 0o755);
  for (const path of [join(binaryDir, "tofu-1.12.6"), join(binaryDir, "wrapped", "tofu")]) {
    await chmod(path, 0o755);
  }
});

afterAll(async () => {
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
  for (const site of sites) await site.cleanup();
  await rm(binaryDir, { recursive: true, force: true });
});

async function site(graceMs: number) {
  const s = await createServerSite({
    TERRAPOD_BINARY_DIR: binaryDir,
    TERRAPOD_SHUTDOWN_GRACE_MS: String(graceMs),
  });
  sites.push(s);
  const port = await freePort();
  const start = () => {
    const server = startServerProcess(s, port);
    servers.push(server);
    return server;
  };
  return { site: s, start };
}

const provisioned = (command: string) => `resource "terraform_data" "slow" {
  provisioner "local-exec" { command = "${command}" }
}
`;

async function runEvents(server: ServerProcess, runId: string): Promise<string[]> {
  const events = await json<{ data: { attributes: { action: string } }[] }>(
    await server.api(`/api/v2/runs/${runId}/run-events`),
  );
  return events.data.map((e) => e.attributes.action);
}

describe("SIGTERM: a draining shutdown", () => {
  test("during a plan: the plan is interrupted late in the grace and requeued; the next start runs it", async () => {
    const grace = 6000;
    const { start } = await site(grace);
    const s1 = start();
    await waitReady(s1);
    const ws = await createWorkspace(s1, "drain-plan");
    await writeFile(join(binaryDir, "slow-plan"), "");
    const runId = await queueRun(s1, ws, 'resource "terraform_data" "a" { input = "x" }\n');
    await waitForRun(s1, runId, ["planning"]);
    await waitForProcess("sleep 61");
    const stopped = await s1.terminate();
    console.log(`shutdown during a plan (grace ${grace} ms): ${stopped.ms} ms`);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(grace + exitSlackMs);
    // Not canceled: interrupted by the shutdown, so back in the queue.
    await rm(join(binaryDir, "slow-plan"));

    const s2 = start();
    await waitReady(s2);
    expect((await waitForRun(s2, runId, ["planned", "errored", "canceled"])).status).toBe("planned");
    const events = await runEvents(s2, runId);
    expect(events.filter((e) => e === "planning").length).toBe(2);
    expect(events).not.toContain("canceled");
    expect((await s2.terminate()).code).toBe(0);
  }, 180_000);

  test("during an apply, short grace: interrupted, its state uploaded and kept, the run errors saying the server shut down", async () => {
    const grace = 10_000;
    const { start } = await site(grace);
    const s1 = start();
    await waitReady(s1);
    const ws = await createWorkspace(s1, "drain-apply-short", { "auto-apply": true });
    const runId = await queueRun(s1, ws, provisioned("sleep 121; echo drain-apply-short"));
    await waitForRun(s1, runId, ["applying"]);
    await waitForProcess("sleep 121");
    const stopped = await s1.terminate();
    console.log(`shutdown during an apply (grace ${grace} ms): ${stopped.ms} ms`);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(grace + exitSlackMs);

    const s2 = start();
    await waitReady(s2);
    const run = await runAttributes(s2, runId);
    expect(run.status).toBe("errored");
    expect(String(run["error-message"])).toContain("The server shut down while this apply was running");
    // The state the interrupted apply saved is current (the resource, tainted by the interrupted provisioner).
    const sv = await json<{
      data: { relationships: { run?: { data?: { id: string } } }; attributes: Record<string, unknown> };
    }>(await s2.api(`/api/v2/workspaces/${ws}/current-state-version`));
    expect(sv.data.relationships.run?.data?.id).toBe(runId);
    const state = (await (await fetch(String(sv.data.attributes["hosted-state-download-url"]))).json()) as {
      resources: { name: string }[];
    };
    expect(state.resources.map((r) => r.name)).toEqual(["slow"]);
    expect((await s2.terminate()).code).toBe(0);
  }, 180_000);

  test("during an apply, long grace: the apply finishes and the run is applied; HTTP answers meanwhile", async () => {
    const grace = 30_000;
    const { start } = await site(grace);
    const s1 = start();
    await waitReady(s1);
    const ws = await createWorkspace(s1, "drain-apply-long", { "auto-apply": true });
    const other = await createWorkspace(s1, "queued-while-draining");
    const runId = await queueRun(s1, ws, provisioned("sleep 4; echo drain-apply-long"));
    await waitForRun(s1, runId, ["applying"]);
    await waitForProcess("drain-apply-long");
    const began = performance.now();
    s1.proc.kill("SIGTERM");
    // Draining: not ready any more, yet the API (and the runner's calls) are served.
    let sawDraining = false;
    while (s1.proc.exitCode === null && !sawDraining) {
      const ready = await fetch(`${s1.base}/readyz`).catch(() => undefined);
      sawDraining = ready?.status === 503;
      if (!sawDraining) await Bun.sleep(50);
    }
    expect(sawDraining).toBe(true);
    // A run queued now is accepted but not claimed: this process claims nothing more.
    const queued = await queueRun(s1, other, 'resource "terraform_data" "b" { input = "y" }\n');
    const seen = new Set<string>();
    while (s1.proc.exitCode === null) {
      const status = await runAttributes(s1, queued).then(
        (a) => String(a.status),
        () => "gone",
      );
      if (status !== "gone") seen.add(status);
      await Bun.sleep(100);
    }
    expect([...seen]).toEqual(["plan_queued"]);
    expect(await s1.proc.exited).toBe(0);
    const ms = Math.round(performance.now() - began);
    console.log(`shutdown during an apply that finishes (grace ${grace} ms): ${ms} ms`);
    expect(ms).toBeLessThan(15_000);

    const s2 = start();
    await waitReady(s2);
    expect((await runAttributes(s2, runId)).status).toBe("applied");
    expect((await waitForRun(s2, queued, ["planned", "errored"])).status).toBe("planned");
    expect((await s2.terminate()).code).toBe(0);
  }, 180_000);

  test("during a state upload: a valid upload cut by the shutdown leaves the previous state current", async () => {
    const grace = 2000;
    const { start } = await site(grace);
    const s1 = start();
    await waitReady(s1);
    const ws = await createWorkspace(s1, "drain-upload", { "execution-mode": "local" });
    await s1.api(`/api/v2/workspaces/${ws}/actions/lock`, { method: "POST" });
    const createVersion = async (serial: number, md5: string) =>
      String(
        (
          await json(
            await s1.api(`/api/v2/workspaces/${ws}/state-versions`, {
              method: "POST",
              body: JSON.stringify({
                data: { type: "state-versions", attributes: { serial, lineage: "D", md5 } },
              }),
            }),
          )
        ).data.attributes["hosted-state-upload-url"],
      );
    const v1 = JSON.stringify({ version: 4, serial: 1, lineage: "D", outputs: {}, resources: [] });
    const md5 = (b: string) => new Bun.CryptoHasher("md5").update(b).digest("hex");
    expect((await fetch(await createVersion(1, md5(v1)), { method: "PUT", body: v1 })).status).toBe(200);

    // serial 2: a valid 16 MB state with its right MD5, streamed over ~10 s: the shutdown cuts it.
    const big = largeState(2, "D", 16);
    const url2 = await createVersion(2, big.md5);
    const stream = slowStream(big.parts, 130);
    const upload = fetch(url2, { method: "PUT", body: stream.body }).then(
      (res) => res.status,
      (err: unknown) => String(err),
    );
    while (stream.sent() < 2 * 1024 * 1024) await Bun.sleep(20);
    const stopped = await s1.terminate();
    console.log(`shutdown during a state upload (grace ${grace} ms): ${stopped.ms} ms`);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(grace + exitSlackMs);
    expect(await upload).not.toBe(200);
    expect(stream.sent()).toBeLessThan(big.bytes);

    const s2 = start();
    await waitReady(s2);
    const current = async () =>
      (await json(await s2.api(`/api/v2/workspaces/${ws}/current-state-version`))).data.attributes;
    expect((await current()).serial).toBe(1);
    expect(await (await fetch(String((await current())["hosted-state-download-url"]))).text()).toBe(v1);
    // The cut body was valid: sent whole, it is accepted and becomes current.
    const whole = await fetch(url2, { method: "PUT", body: new Blob(big.parts as BlobPart[]) });
    expect(whole.status).toBe(200);
    expect((await current()).serial).toBe(2);
    expect((await s2.terminate()).code).toBe(0);
  }, 180_000);
});
