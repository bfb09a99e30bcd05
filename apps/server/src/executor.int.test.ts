import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testBinaryDir } from "@terrapod/testing";
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

type Doc = { data: { id: string; attributes: Record<string, unknown> } };
const doc = async (res: Response) => (await res.json()) as Doc;

async function runOf(config: string, attributes: Record<string, unknown>) {
  const ws = await doc(
    await t.api("/api/v2/organizations/default/workspaces", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "workspaces",
          attributes: { name: `ex-${crypto.randomUUID().slice(0, 8)}`, engine: "tofu", ...attributes },
        },
      }),
    }),
  );
  const cv = await doc(
    await t.api(`/api/v2/workspaces/${ws.data.id}/configuration-versions`, {
      method: "POST",
      body: JSON.stringify({
        data: { type: "configuration-versions", attributes: { "auto-queue-runs": false } },
      }),
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), "tp-ex-"));
  await writeFile(join(dir, "main.tf"), config);
  expect(await Bun.spawn(["tar", "-czf", `${dir}.tgz`, "-C", dir, "main.tf"]).exited).toBe(0);
  await fetch(String(cv.data.attributes["upload-url"]), { method: "PUT", body: Bun.file(`${dir}.tgz`) });
  const run = await doc(
    await t.api("/api/v2/runs", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "runs",
          relationships: {
            workspace: { data: { type: "workspaces", id: ws.data.id } },
            "configuration-version": { data: { type: "configuration-versions", id: cv.data.id } },
          },
        },
      }),
    }),
  );
  const status = async () =>
    String((await doc(await t.api(`/api/v2/runs/${run.data.id}`))).data.attributes.status);
  return { id: run.data.id, status };
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
