import { describe, expect, test } from "bun:test";
import type { EventsQuery, ExecutorApi } from "./executor-api.ts";
import { startExecutorLoop } from "./executor-loop.ts";
import type { ClaimedJob, ExecutorEvents, JobRef, LostJobReport, StopRequest } from "./executor-messages.ts";
import type { JobExit, LaunchedJob, Launcher } from "./launcher.ts";
import { protocolVersion } from "./runner-messages.ts";

const quiet = { info() {}, warn() {}, error() {} };

function job(n: number): ClaimedJob {
  return { runId: `run-${n}`, phase: "plan", attempt: 1, workspaceId: "ws-1", organization: "o", token: "t" };
}

/** A server with a queue of claimable jobs and scripted events. */
function fakeApi(queue: ClaimedJob[]) {
  const lost: LostJobReport[] = [];
  const pendingEvents: ExecutorEvents[] = [];
  let claims = 0;
  let waiting: (() => void) | undefined;
  const api: ExecutorApi = {
    async claim() {
      claims += 1;
      return queue.shift();
    },
    async events(q: EventsQuery) {
      const next = pendingEvents.shift();
      if (next) return next;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, q.waitMs);
        waiting = () => {
          clearTimeout(timer);
          resolve();
        };
        q.signal?.addEventListener("abort", () => waiting?.());
      });
      return { version: protocolVersion, wake: false, stops: [] };
    },
    async reportLost(r) {
      lost.push(r);
    },
  };
  return {
    api,
    lost,
    get claims() {
      return claims;
    },
    push(e: Omit<ExecutorEvents, "version">) {
      pendingEvents.push({ version: protocolVersion, ...e });
      waiting?.();
    },
  };
}

function fakeLauncher() {
  const running = new Map<string, { ref: JobRef; exit: (e: JobExit) => void }>();
  const stops: StopRequest[] = [];
  const launcher: Launcher = {
    async start(j): Promise<LaunchedJob> {
      const ref = { runId: j.runId, phase: j.phase, attempt: j.attempt };
      let exit!: (e: JobExit) => void;
      const exited = new Promise<JobExit>((resolve) => {
        exit = resolve;
      });
      running.set(j.runId, { ref, exit });
      return { job: ref, exited: exited.finally(() => running.delete(j.runId)) };
    },
    stop(r) {
      stops.push(r);
    },
    running: () => [...running.values()].map((r) => r.ref),
    async shutdown() {},
  };
  return { launcher, running, stops };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await Bun.sleep(5);
  expect(cond()).toBe(true);
};

describe("executor loop", () => {
  test("claims up to its concurrency and claims again when a runner ends", async () => {
    const server = fakeApi([job(1), job(2), job(3)]);
    const l = fakeLauncher();
    const loop = startExecutorLoop({
      executorId: "x",
      api: server.api,
      launcher: l.launcher,
      concurrency: 2,
      waitMs: 10_000,
      log: quiet,
    });
    await until(() => l.running.size === 2);
    expect([...l.running.keys()]).toEqual(["run-1", "run-2"]);
    l.running.get("run-1")?.exit({ reported: true, reason: "" });
    await until(() => l.running.has("run-3"));
    await loop.stop();
    expect(server.lost).toEqual([]);
  });

  test("reports a runner that ended without reporting as lost, with the launcher's reason", async () => {
    const server = fakeApi([job(1)]);
    const l = fakeLauncher();
    const loop = startExecutorLoop({
      executorId: "x",
      api: server.api,
      launcher: l.launcher,
      concurrency: 1,
      waitMs: 10_000,
      log: quiet,
    });
    await until(() => l.running.size === 1);
    l.running.get("run-1")?.exit({ reported: false, reason: "OOMKilled" });
    await until(() => server.lost.length === 1);
    await loop.stop();
    expect(server.lost[0]).toMatchObject({
      runId: "run-1",
      attempt: 1,
      executorId: "x",
      reason: "OOMKilled",
    });
  });

  test("delivers each stop escalation once, and only for jobs it runs", async () => {
    const server = fakeApi([job(1)]);
    const l = fakeLauncher();
    const loop = startExecutorLoop({
      executorId: "x",
      api: server.api,
      launcher: l.launcher,
      concurrency: 1,
      waitMs: 10_000,
      log: quiet,
    });
    await until(() => l.running.size === 1);
    server.push({
      wake: false,
      stops: [
        { runId: "run-1", force: false },
        { runId: "run-9", force: true },
      ],
    });
    server.push({ wake: false, stops: [{ runId: "run-1", force: false }] });
    server.push({ wake: false, stops: [{ runId: "run-1", force: true }] });
    server.push({ wake: false, stops: [{ runId: "run-1", force: true }] });
    await until(() => l.stops.length === 2);
    await Bun.sleep(30);
    await loop.stop();
    expect(l.stops).toEqual([
      { runId: "run-1", force: false },
      { runId: "run-1", force: true },
    ]);
  });

  test("a wake-up makes it claim again without waiting for the timeout", async () => {
    const queue: ClaimedJob[] = [];
    const server = fakeApi(queue);
    const l = fakeLauncher();
    const loop = startExecutorLoop({
      executorId: "x",
      api: server.api,
      launcher: l.launcher,
      concurrency: 1,
      waitMs: 10_000,
      log: quiet,
    });
    await until(() => server.claims === 1);
    queue.push(job(4));
    server.push({ wake: true, stops: [] });
    await until(() => l.running.has("run-4"));
    await loop.stop();
  });

  test("after stopClaiming it claims nothing more, yet delivers stops and reports lost runners", async () => {
    const queue = [job(1), job(2)];
    const server = fakeApi(queue);
    const l = fakeLauncher();
    const loop = startExecutorLoop({
      executorId: "x",
      api: server.api,
      launcher: l.launcher,
      concurrency: 2,
      waitMs: 10_000,
      log: quiet,
    });
    await until(() => l.running.size === 2);
    loop.stopClaiming();
    const claims = server.claims;
    queue.push(job(3));
    server.push({ wake: true, stops: [{ runId: "run-1", force: false }] });
    await until(() => l.stops.length === 1);
    l.running.get("run-2")?.exit({ reported: false, reason: "killed" });
    await until(() => server.lost.length === 1);
    await Bun.sleep(30);
    expect(server.claims).toBe(claims);
    expect(l.running.has("run-3")).toBe(false);
    await loop.stop();
  });

  test("keeps going when the server cannot be reached", async () => {
    const l = fakeLauncher();
    let calls = 0;
    const api: ExecutorApi = {
      async claim() {
        calls += 1;
        if (calls < 3) throw new Error("connection refused");
        return undefined;
      },
      async events(q) {
        await Bun.sleep(q.waitMs);
        return { version: protocolVersion, wake: false, stops: [] };
      },
      async reportLost() {},
    };
    const loop = startExecutorLoop({
      executorId: "x",
      api,
      launcher: l.launcher,
      concurrency: 1,
      waitMs: 5,
      retryMs: 5,
      log: quiet,
    });
    await until(() => calls >= 4);
    await loop.stop();
  });
});
