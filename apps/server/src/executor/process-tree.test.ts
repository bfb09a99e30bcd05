import { afterEach, describe, expect, test } from "bun:test";
import {
  isAlive,
  type ProcInfo,
  parseProcStat,
  processStartTicks,
  stopProcessTree,
  treeOf,
} from "./process-tree.ts";

const proc = (pid: number, ppid: number, pgrp: number): ProcInfo => ({
  pid,
  ppid,
  pgrp,
  state: "S",
  startTicks: pid * 10,
});

describe("/proc/<pid>/stat", () => {
  test("fields are read after the command, which may hold spaces and parentheses", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = "S";
    fields[1] = "100";
    fields[2] = "90";
    fields[19] = "123456";
    expect(parseProcStat(`4242 (bun (x) y) ${fields.join(" ")}\n`)).toEqual({
      pid: 4242,
      ppid: 100,
      pgrp: 90,
      state: "S",
      startTicks: 123456,
    });
    expect(parseProcStat("garbage")).toBeUndefined();
  });
});

describe("a runner's process tree", () => {
  test("holds its descendants and the groups they lead, never the group of the server that started it", () => {
    const procs = [
      proc(1, 0, 1),
      proc(50, 1, 50), // the test runner, leader of the group the old server and runner are in
      proc(60, 50, 50), // an unrelated process of that group
      proc(100, 1, 50), // the runner, re-parented when its server died
      proc(110, 100, 110), // the engine: its own group
      proc(120, 110, 110), // a provider
      proc(130, 1, 110), // a provisioner's command whose shell died: still in the engine's group
    ];
    const tree = treeOf(procs, procs[3] as ProcInfo);
    expect([...tree.members.keys()].sort((a, b) => a - b)).toEqual([100, 110, 120, 130]);
    expect([...tree.groups]).toEqual([110]);
  });
});

describe("stopping a process tree", () => {
  /** Pids to kill after each test; negative: process groups (the engine's, with its `sleep`). */
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  });

  /** A runner stand-in: ignores SIGTERM, starts an "engine" in its own group with a child of its own. */
  async function fakeRunner(): Promise<{ pid: number; ticks: number; engine: number }> {
    const script = [
      "process.on('SIGTERM', () => {});",
      "const e = Bun.spawn(['sh', '-c', 'sleep 300 & echo $$; wait'], { detached: true, stdout: 'pipe' });",
      "for await (const c of e.stdout) { console.log(new TextDecoder().decode(c).trim()); break; }",
      "setInterval(() => {}, 1000);",
    ].join("\n");
    const runner = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe" });
    started.push(runner.pid);
    const reader = runner.stdout.getReader();
    const first = await reader.read();
    const engine = Number(new TextDecoder().decode(first.value).trim());
    started.push(-engine);
    return { pid: runner.pid, ticks: (await processStartTicks(runner.pid)) ?? -1, engine };
  }

  test("TERM, then KILL what ignores it, down to the engine's group; then it is all gone", async () => {
    const runner = await fakeRunner();
    const engineTicks = (await processStartTicks(runner.engine)) ?? -1;
    expect(await isAlive(runner.engine, engineTicks)).toBe(true);
    const outcome = await stopProcessTree(runner.pid, runner.ticks, { termGraceMs: 300, killWaitMs: 3000 });
    expect(outcome).toBe("stopped");
    expect(await isAlive(runner.pid, runner.ticks)).toBe(false);
    expect(await isAlive(runner.engine, engineTicks)).toBe(false);
  });

  test("a stopped (SIGSTOP) runner is stopped too", async () => {
    const runner = await fakeRunner();
    process.kill(runner.pid, "SIGSTOP");
    expect(await stopProcessTree(runner.pid, runner.ticks, { termGraceMs: 300, killWaitMs: 3000 })).toBe(
      "stopped",
    );
    expect(await isAlive(runner.pid, runner.ticks)).toBe(false);
  });

  test("a pid now used by another process (another start time) is left alone", async () => {
    const runner = await fakeRunner();
    expect(await stopProcessTree(runner.pid, runner.ticks + 1, { termGraceMs: 100, killWaitMs: 100 })).toBe(
      "not-running",
    );
    expect(await isAlive(runner.pid, runner.ticks)).toBe(true);
    expect(await stopProcessTree(999_999_999, 1, { termGraceMs: 100, killWaitMs: 100 })).toBe("not-running");
  });
});
