import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testBinaryDir } from "@terrapod/testing";
import { createRunWith, runStatusOf } from "./testing/test-runs.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/**
 * The embedded executor with the real runner and engine. Heartbeats are slow here (30 s), so anything
 * quicker than that comes through the executor's own signalling, not the runner's heartbeat.
 */
let t: TestServer;
beforeAll(async () => {
  const bin = testBinaryDir();
  if (!bin) throw new Error("TERRAPOD_TEST_BINARY_DIR is not set: these tests execute real runs");
  t = await startTestServer({ env: { TERRAPOD_BINARY_DIR: bin, TERRAPOD_RUNNER_HEARTBEAT_SECONDS: "30" } });
});
afterAll(async () => {
  await t?.stop();
});

async function runOf(config: string, attributes: Record<string, unknown>) {
  const { runId } = await createRunWith(t, config, { engine: "tofu", ...attributes });
  return { id: runId, status: () => runStatusOf(t, runId) };
}

describe("the embedded executor", () => {
  test("runs a plan and its apply and saves the state", async () => {
    const run = await runOf(
      'resource "terraform_data" "a" { input = "x" }\noutput "o" { value = terraform_data.a.output }\n',
      {
        "auto-apply": true,
      },
    );
    let s = "";
    for (let i = 0; i < 300 && !["applied", "errored"].includes(s); i++) {
      s = await run.status();
      await Bun.sleep(100);
    }
    expect(s).toBe("applied");
  }, 60_000);

  test("a cancel stops a running apply at once, also right after its plan's runner was replaced", async () => {
    // auto-apply: the apply's runner starts while the plan's runner is still exiting
    const run = await runOf(
      'resource "terraform_data" "a" {\n  provisioner "local-exec" { command = "sleep 30" }\n}\n',
      {
        "auto-apply": true,
      },
    );
    for (let i = 0; i < 300 && (await run.status()) !== "applying"; i++) await Bun.sleep(50);
    await Bun.sleep(1000);
    const started = performance.now();
    expect((await t.api(`/api/v2/runs/${run.id}/actions/cancel`, { method: "POST" })).status).toBe(202);
    let s = "applying";
    while (s === "applying" && performance.now() - started < 20_000) {
      s = await run.status();
      await Bun.sleep(50);
    }
    expect(s).toBe("canceled");
    expect(performance.now() - started).toBeLessThan(5000);
  }, 60_000);
});
