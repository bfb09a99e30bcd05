import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { testBinaryDir } from "@terrapod/testing";
import { createRunWith, runStatusOf } from "./testing/test-runs.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/**
 * Runs are untrusted code: a real run (embedded executor, real tofu) whose provisioners try to read the
 * server's key file and database files, its environment, and to signal it. The server is this process.
 */
let t: TestServer;
let keyFile: string;
let pgdata: string;
const scratch: string[] = [];

beforeAll(async () => {
  const bin = testBinaryDir();
  if (!bin) throw new Error("TERRAPOD_TEST_BINARY_DIR is not set: these tests execute real runs");
  t = await startTestServer({ env: { TERRAPOD_BINARY_DIR: bin, TERRAPOD_RUNNER_HEARTBEAT_SECONDS: "30" } });
  // The embedded shape generates the key file; the production shape has neither: plant them.
  keyFile = join(t.dataDir, "encryption.key");
  if (!existsSync(keyFile)) await writeFile(keyFile, `planted=${crypto.randomUUID()}\n`, { mode: 0o600 });
  pgdata = join(t.dataDir, "pgdata");
  if (!existsSync(pgdata)) {
    await mkdir(pgdata, { recursive: true, mode: 0o700 });
    await writeFile(join(pgdata, "PG_VERSION"), "15\n");
  }
}, 30_000);
afterAll(async () => {
  await t?.stop();
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
}, 30_000);

type Doc = { data: { id: string; attributes: Record<string, unknown> } };
const doc = async (res: Response) => (await res.json()) as Doc;

/** Each attempt prints NAME=OUTCOME on a line of its own (HCL: no `${` in the script). */
function probeConfiguration(serverPid: number): string {
  const attempts = [
    `cat '${keyFile}' >/dev/null 2>&1 && echo KEY=READ || echo KEY=DENIED`,
    `ls '${pgdata}' >/dev/null 2>&1 && echo PGDATA=LISTED || echo PGDATA=DENIED`,
    `grep -qa TERRAPOD_TEST_BACKEND /proc/${serverPid}/environ 2>/dev/null && echo ENVIRON=READ || echo ENVIRON=DENIED`,
    `kill -0 ${serverPid} 2>/dev/null && echo SIGNAL=SENT || echo SIGNAL=DENIED`,
    `echo UID=$(id -u)`,
    // the job token reaches the runner on stdin: no process this run can see has it in its environment
    `echo TOKEN_IN_ENVIRON=$(cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c '^TERRAPOD_RUNNER_TOKEN=')`,
  ];
  return [
    'resource "terraform_data" "probe" {',
    '  provisioner "local-exec" {',
    "    command = <<-EOT",
    ...attempts.map((line) => `      ${line}`),
    "    EOT",
    "  }",
    "}",
    "",
  ].join("\n");
}

async function applyRun(config: string): Promise<{ status: string; planLog: string; log: string }> {
  const { runId } = await createRunWith(t, config, { engine: "tofu", "auto-apply": true });
  let status = "";
  for (let i = 0; i < 600 && !["applied", "errored", "canceled"].includes(status); i++) {
    status = await runStatusOf(t, runId);
    await Bun.sleep(100);
  }
  const logOf = async (phase: "plan" | "apply") => {
    const phaseDoc = await doc(await t.api(`/api/v2/runs/${runId}/${phase}`));
    const url = String(phaseDoc.data.attributes["log-read-url"]);
    return (await fetch(`${url}?offset=0&limit=1048576`)).text();
  };
  return { status, planLog: await logOf("plan"), log: await logOf("apply") };
}

/** NAME → OUTCOME from the provisioner's output lines (`terraform_data.probe (local-exec): NAME=OUTCOME`). */
function outcomes(log: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const m of log.matchAll(/\(local-exec\): ([A-Z_]+)=(\S*)$/gm)) if (m[1]) found[m[1]] = m[2] ?? "";
  return found;
}

describe("the embedded executor's sandbox", () => {
  test("a run cannot read the key, the database files or the server's environment, nor signal it", async () => {
    // what the run is denied, the server (this process) can do
    expect((await readFile(keyFile, "utf8")).length).toBeGreaterThan(0);
    const { status, planLog, log } = await applyRun(probeConfiguration(process.pid));
    expect(status, `${planLog}\n${log}`).toBe("applied");
    const seen = outcomes(log);
    expect(seen, log).toMatchObject({
      KEY: "DENIED",
      PGDATA: "DENIED",
      ENVIRON: "DENIED",
      SIGNAL: "DENIED",
      TOKEN_IN_ENVIRON: "0",
    });
    if (process.getuid?.() === 0) expect(seen.UID, log).not.toBe("0");
  }, 90_000);
});
