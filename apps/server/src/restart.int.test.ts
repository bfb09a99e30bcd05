import { afterAll, expect, test } from "bun:test";
import { testBinaryDir } from "@terrapod/testing";
import { isAlive } from "./executor/process-tree.ts";
import {
  createServerSite,
  createWorkspace,
  descendantsOf,
  freePort,
  json,
  processesWithCommand,
  queueRun,
  type ServerProcess,
  type ServerSite,
  startServerProcess,
  waitForProcess,
  waitForRun,
  waitReady,
} from "./testing/server-process.ts";

/**
 * Fencing after a crash: the real server program (in the test backend's shape) is SIGKILLed in the
 * middle of an apply and started again on the same data. The new process must make sure the old
 * runner and engine are gone before it ends their phase, so no two engines ever work on one workspace.
 */
const sites: ServerSite[] = [];
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
  for (const site of sites) await site.cleanup();
});

const marker = `tp-restart-${crypto.randomUUID().slice(0, 8)}`;
const first = 'resource "terraform_data" "kept" { input = "from the first apply" }\n';
const slow = `${first}resource "terraform_data" "slow" {
  provisioner "local-exec" { command = "sleep 300; echo ${marker}" }
}
`;

async function currentState(server: ServerProcess, workspaceId: string) {
  const sv = await json(await server.api(`/api/v2/workspaces/${workspaceId}/current-state-version`));
  const download = String(sv.data.attributes["hosted-state-download-url"]);
  const state = (await (await fetch(download)).json()) as { serial: number; resources: { name: string }[] };
  return { id: sv.data.id, serial: state.serial, names: state.resources.map((r) => r.name) };
}

test("a server killed mid-apply: on restart the old runner and engine are gone before the phase ends; the run errors, state and workspace are fine", async () => {
  if (!testBinaryDir()) throw new Error("TERRAPOD_TEST_BINARY_DIR is not set: this test executes real runs");
  const site = await createServerSite();
  sites.push(site);
  const port = await freePort();
  const s1 = startServerProcess(site, port);
  servers.push(s1);
  await waitReady(s1);
  const ws = await createWorkspace(s1, "restart", { "auto-apply": true });
  const run1 = await queueRun(s1, ws, first);
  expect((await waitForRun(s1, run1, ["applied", "errored"])).status).toBe("applied");
  const before = await currentState(s1, ws);
  expect(before.names).toEqual(["kept"]);

  const run2 = await queueRun(s1, ws, slow);
  await waitForRun(s1, run2, ["applying"]);
  await waitForProcess(marker);
  // Everything the server started for this apply: the runner (and its sandbox), the engine, the shell.
  const old = await descendantsOf(s1.proc.pid);
  expect(old.length).toBeGreaterThan(0);
  s1.proc.kill("SIGKILL");
  await s1.proc.exited;

  const s2 = startServerProcess(site, port);
  servers.push(s2);
  await waitReady(s2);
  // Ready means the executor runs (it may start the next phase now): nothing of the old one is left.
  const survivors = [];
  for (const p of old) if (await isAlive(p.pid, p.ticks)) survivors.push(p);
  expect(survivors).toEqual([]);
  expect(await processesWithCommand(marker)).toEqual([]);

  const ended = await waitForRun(s2, run2, ["errored"], 10_000);
  expect(String(ended["error-message"] ?? "")).toContain("stopped at restart");
  expect(String(ended["error-message"] ?? "")).toContain("any state it saved has been kept");
  const after = await currentState(s2, ws);
  expect(after.names).toContain("kept");
  expect(after.serial).toBeGreaterThanOrEqual(before.serial);

  // The workspace is free: the next run applies.
  const run3 = await queueRun(s2, ws, first.replace("from the first apply", "from the third"));
  expect((await waitForRun(s2, run3, ["applied", "errored"])).status).toBe("applied");
  expect((await s2.terminate()).code).toBe(0);

  // The pid the killed server recorded for the apply's runner was one of the processes it started.
  const row = (await site.runs()).find((r) => r.id === run2);
  expect(old.map((p) => p.pid)).toContain(row?.runnerPid ?? -1);
  expect(old.find((p) => p.pid === row?.runnerPid)?.ticks).toBe(row?.runnerStartedAtTicks ?? -1);
}, 240_000);
