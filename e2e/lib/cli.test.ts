/**
 * The CLI runner itself, with small shell programs standing in for tofu/terraform.
 */
import { describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { runCli, startCli } from "./cli.ts";

const sh = (script: string) => ["/bin/sh", "-c", script];
const base = { cwd: tmpdir(), env: { PATH: "/usr/bin:/bin" } };

describe("runCli", () => {
  test("captures stdout, stderr and the exit code separately", async () => {
    const r = await runCli({ ...base, cmd: sh("echo out; echo err >&2; exit 3") });
    expect(r).toMatchObject({ code: 3, signal: null, stdout: "out\n", stderr: "err\n", timedOut: false });
    expect(r.command).toBe("sh -c echo out; echo err >&2; exit 3");
  });

  test("passes exactly the given environment, nothing of this process", async () => {
    const r = await runCli({ cwd: tmpdir(), env: { ONLY_THIS: "1" }, cmd: ["/usr/bin/env"] });
    expect(r.stdout).toBe("ONLY_THIS=1\n");
  });

  test("feeds stdin and closes it", async () => {
    const r = await runCli({ ...base, cmd: ["/bin/cat"], stdin: "yes\nplease\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("yes\nplease\n");
  });

  test("stdin is empty without input", async () => {
    const r = await runCli({ ...base, cmd: ["/bin/cat"] });
    expect(r).toMatchObject({ code: 0, stdout: "" });
  });

  test("strips ANSI colours from the output", async () => {
    const r = await runCli({ ...base, cmd: sh("printf '\\033[1m\\033[31mError\\033[0m: x\\n'") });
    expect(r.stdout).toBe("Error: x\n");
  });

  test("stops a CLI that outlives its timeout and says so", async () => {
    const r = await runCli({ ...base, cmd: ["/bin/sleep", "30"], timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(r.signal).toBe("SIGINT");
    expect(r.durationMs).toBeLessThan(5000);
  });
});

describe("startCli", () => {
  test("waits for output, then sends SIGINT like Ctrl-C", async () => {
    const running = startCli({
      ...base,
      cmd: sh("trap 'echo interrupted; exit 130' INT; echo ready; while :; do sleep 0.05; done"),
    });
    await running.waitForOutput(/ready/, 5000);
    running.interrupt();
    const r = await running.result;
    expect(r.code).toBe(130);
    expect(r.stdout).toBe("ready\ninterrupted\n");
  });

  test("interactive stdin: answers a prompt", async () => {
    const running = startCli({
      ...base,
      cmd: sh('printf "Enter a value: "; read answer; echo "got $answer"'),
      stdin: "interactive",
    });
    await running.waitForOutput(/Enter a value: $/, 5000);
    running.write("yes\n");
    const r = await running.result;
    expect(r.stdout).toBe("Enter a value: got yes\n");
  });

  test("waitForOutput rejects when the CLI exits without the output", async () => {
    const running = startCli({ ...base, cmd: sh("echo something else") });
    await expect(running.waitForOutput(/never printed/, 5000)).rejects.toThrow(
      /exited before its output matched/,
    );
    expect((await running.result).code).toBe(0);
  });
});
