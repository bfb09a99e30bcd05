import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ClaimedJob,
  createExecutorClient,
  type ExecutorApi,
  ExecutorApiError,
  executorPaths,
  protocolVersion,
  runnerPaths,
} from "@terrapod/runner-protocol";
import { createRunWith, runStatusOf } from "./testing/test-runs.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/**
 * The executor contract over HTTP, as a remote executor (a listener) uses it: claims, the events long
 * poll, lost-job reports. The server runs no executor of its own here (TERRAPOD_EXECUTOR=none).
 */
let t: TestServer;
let executor: ExecutorApi;

beforeAll(async () => {
  const bin = await mkdtemp(join(tmpdir(), "tp-bin-"));
  await writeFile(join(bin, "terraform-1.5.7"), "");
  t = await startTestServer({ env: { TERRAPOD_EXECUTOR: "none", TERRAPOD_BINARY_DIR: bin } });
  executor = createExecutorClient({
    serverUrl: new URL(t.url),
    authorization: () => `Bearer ${t.adminToken}`,
  });
});
afterAll(async () => {
  await t?.stop();
});

/** A workspace with an uploaded configuration and a run waiting to plan. */
const queuedRun = () => createRunWith(t, "");

async function claimRun(executorId: string, runId: string): Promise<ClaimedJob> {
  for (let i = 0; i < 20; i++) {
    const job = await executor.claim({ version: protocolVersion, executorId });
    if (job?.runId === runId) return job;
    if (!job) await Bun.sleep(50);
  }
  throw new Error(`run ${runId} was never claimed`);
}

const runStatus = (id: string) => runStatusOf(t, id);

describe("the executor API", () => {
  test("a claim hands out the phase with a job token that works on the runner API", async () => {
    const { runId, workspaceId } = await queuedRun();
    const job = await claimRun("remote-1", runId);
    expect(job).toMatchObject({ runId, workspaceId, organization: "default", phase: "plan", attempt: 1 });
    const spec = await fetch(`${t.url}${runnerPaths.job}`, {
      headers: { authorization: `Bearer ${job.token}` },
    });
    expect(spec.status).toBe(200);
    expect(await spec.json()).toMatchObject({ runId, phase: "plan", attempt: 1 });
    expect(await runStatus(runId)).toBe("planning");
  });

  test("only a platform admin may act as an executor; a job token or no credential is 401", async () => {
    const { runId } = await queuedRun();
    const job = await claimRun("remote-2", runId);
    const asRunner = createExecutorClient({
      serverUrl: new URL(t.url),
      authorization: () => `Bearer ${job.token}`,
    });
    const refused = await asRunner
      .claim({ version: protocolVersion, executorId: "x" })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExecutorApiError);
    // a job token works on the runner protocol only
    expect((refused as ExecutorApiError).status).toBe(401);
    const anonymous = await fetch(`${t.url}${executorPaths.claim}`, {
      method: "POST",
      body: JSON.stringify({ version: protocolVersion, executorId: "x" }),
    });
    expect(anonymous.status).toBe(401);
  });

  test("a malformed message is a 422 and claims nothing", async () => {
    const res = await fetch(`${t.url}${executorPaths.claim}`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ version: 99, executorId: "" }),
    });
    expect(res.status).toBe(422);
  });

  test("a waiting executor hears a cancel at once, and the same stop only once", async () => {
    const { runId } = await queuedRun();
    const job = await claimRun("remote-3", runId);
    const running = [{ runId, phase: job.phase, attempt: job.attempt }];
    const started = performance.now();
    const waiting = executor.events({ executorId: "remote-3", running, waitMs: 20_000 });
    await Bun.sleep(200);
    expect((await t.api(`/api/v2/runs/${runId}/actions/cancel`, { method: "POST" })).status).toBe(202);
    const events = await waiting;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(events.stops).toEqual([{ runId, force: false }]);
    // Having applied the stop, the executor waits again instead of hearing it a second time.
    const again = await executor.events({
      executorId: "remote-3",
      running: running.map((j) => ({ ...j, stopping: "graceful" as const })),
      waitMs: 300,
    });
    expect(again.stops).toEqual([]);
  });

  test("a job that is no longer its run's current phase is stopped by force", async () => {
    const { runId } = await queuedRun();
    const job = await claimRun("remote-4", runId);
    const stale = [{ runId, phase: job.phase, attempt: job.attempt + 1 }];
    const events = await executor.events({ executorId: "remote-4", running: stale, waitMs: 0 });
    expect(events.stops).toEqual([{ runId, force: true }]);
  });

  test("a queued run wakes a waiting executor", async () => {
    const started = performance.now();
    const waiting = executor.events({ executorId: "remote-5", running: [], waitMs: 20_000 });
    await Bun.sleep(200);
    await queuedRun();
    expect((await waiting).wake).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test("a lost plan is requeued, but only when its own executor reports it", async () => {
    const { runId } = await queuedRun();
    const job = await claimRun("remote-6", runId);
    const report = {
      version: protocolVersion,
      runId,
      phase: job.phase,
      attempt: job.attempt,
      reason: "OOMKilled",
    };
    await executor.reportLost({ ...report, executorId: "someone-else" });
    expect(await runStatus(runId)).toBe("planning");
    await executor.reportLost({ ...report, executorId: "remote-6" });
    expect(await runStatus(runId)).toBe("plan_queued");
  });
});
