import { describe, expect, test } from "bun:test";
import { createLogger } from "../logger.ts";
import { signalThroughInfoFd } from "./namespace-init.ts";

const log = createLogger({ level: "silent" });

/**
 * A stand-in for bwrap: it starts a child (exit 7 on SIGINT, gone by itself within 2 s), reports the
 * child's pid on fd 3 after a moment as bwrap's `--info-fd` does (or closes it without a word), and exits
 * with the child's code. A signal to the stand-in itself ends it with that signal.
 */
function fakeBwrap(report: boolean) {
  const child = "trap 'exit 7' INT; for i in $(seq 40); do sleep 0.05; done";
  const parent = [
    'import { closeSync, writeSync } from "node:fs";',
    `const c = Bun.spawn(["sh", "-c", ${JSON.stringify(child)}], { stdio: ["ignore", "ignore", "ignore"] });`,
    "await Bun.sleep(150);",
    report ? 'writeSync(3, JSON.stringify({ "child-pid": c.pid }, null, 4) + "\\n");' : "",
    "closeSync(3);",
    "process.exit(await c.exited);",
  ].join("\n");
  return Bun.spawn([process.execPath, "-e", parent], { stdio: ["ignore", "ignore", "inherit", "pipe"] });
}

describe("signals to a bwrap sandbox", () => {
  test("go to the pid bwrap reports, not to bwrap", async () => {
    const proc = fakeBwrap(true);
    signalThroughInfoFd(proc, log);
    proc.kill("SIGINT"); // before the report: it is sent once the pid is known
    expect(await proc.exited).toBe(7);
  });

  test("go to bwrap itself when it reports nothing", async () => {
    const proc = fakeBwrap(false);
    signalThroughInfoFd(proc, log);
    await Bun.sleep(400);
    proc.kill("SIGTERM");
    await proc.exited;
    expect(proc.signalCode).toBe("SIGTERM");
  });
});
