import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cancellation } from "./cancellation.ts";
import { type OutputStream, runEngine } from "./engine-process.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function shell(
  script: string,
  opts: { cancellation?: Cancellation; graceMs?: number; stdoutFile?: string } = {},
) {
  const output: { stream: OutputStream; text: string }[] = [];
  const cancellation = opts.cancellation ?? new Cancellation();
  const done = runEngine({
    binary: "/bin/sh",
    args: ["-c", script],
    cwd: tmpdir(),
    env: { PATH: "/usr/bin:/bin", ONLY_THIS: "1" },
    ...(opts.stdoutFile ? { stdoutFile: opts.stdoutFile } : {}),
    onOutput: (stream, chunk) => output.push({ stream, text: new TextDecoder().decode(chunk) }),
    cancellation,
    graceMs: opts.graceMs ?? 5000,
  });
  const text = () => output.map((o) => o.text).join("");
  const waitFor = async (needle: string) => {
    for (let i = 0; i < 200 && !text().includes(needle); i++) await Bun.sleep(10);
  };
  return { done, output, text, waitFor, cancellation };
}

describe("runEngine", () => {
  test("gives the process only the environment it was handed", async () => {
    const run = shell("env");
    const exit = await run.done;
    expect(exit).toEqual({ exitCode: 0, signal: null, cancelled: false });
    expect(run.text()).toContain("ONLY_THIS=1");
    expect(run.text()).not.toContain("HOME=");
  });

  test("reports stdout and stderr as they come, and the exit code", async () => {
    const run = shell("echo out; echo err 1>&2; exit 7");
    expect((await run.done).exitCode).toBe(7);
    expect(run.output).toContainEqual({ stream: "stdout", text: "out\n" });
    expect(run.output).toContainEqual({ stream: "stderr", text: "err\n" });
  });

  test("writes stdout to a file when asked", async () => {
    const dir = await mkdtemp(join(tmpdir(), "terrapod-engine-"));
    dirs.push(dir);
    const run = shell("echo '{\"a\":1}'; echo warn 1>&2", { stdoutFile: join(dir, "out.json") });
    expect((await run.done).exitCode).toBe(0);
    expect(await readFile(join(dir, "out.json"), "utf8")).toBe('{"a":1}\n');
    expect(run.text()).toBe("warn\n");
  });

  test("a graceful cancel interrupts the whole group", async () => {
    const run = shell("trap 'echo interrupted; exit 3' INT; echo ready; while true; do sleep 0.05; done");
    await run.waitFor("ready");
    run.cancellation.request("graceful");
    const exit = await run.done;
    expect(exit).toMatchObject({ exitCode: 3, cancelled: true });
    expect(run.text()).toContain("interrupted");
  });

  test("a process ignoring SIGINT is killed after the grace period", async () => {
    const run = shell("trap '' INT; echo ready; sleep 30", { graceMs: 200 });
    await run.waitFor("ready");
    const started = performance.now();
    run.cancellation.request("graceful");
    const exit = await run.done;
    expect(exit).toMatchObject({ exitCode: null, signal: "SIGKILL", cancelled: true });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("a forced cancel kills at once, also when requested before the start", async () => {
    const cancellation = new Cancellation();
    cancellation.request("force");
    const started = performance.now();
    const exit = await shell("sleep 30", { cancellation }).done;
    expect(exit).toMatchObject({ signal: "SIGKILL", cancelled: true });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("leftover children are killed when the engine exits", async () => {
    const started = performance.now();
    const run = shell("sleep 30 & echo started");
    expect((await run.done).exitCode).toBe(0);
    expect(run.text()).toBe("started\n");
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe("Cancellation", () => {
  test("only escalates, and tells its listeners", () => {
    const c = new Cancellation();
    const seen: string[] = [];
    const unsubscribe = c.subscribe((level) => seen.push(level));
    expect(c.requested).toBe(false);
    c.request("graceful");
    c.request("graceful");
    c.request("force");
    c.request("graceful");
    expect(c.level).toBe("force");
    expect(seen).toEqual(["graceful", "force"]);
    unsubscribe();
  });
});
