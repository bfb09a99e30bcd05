import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Actor, OrganizationName, PageRequest, RunId, WorkspaceId } from "@terrapod/kernel";
import { type Doc, expectJson, type ListDoc } from "./testing/test-http.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/** What callers see of runs and state versions: run variables, the run queue, upload URLs, sensitive outputs. */
let t: TestServer;
beforeAll(async () => {
  const binDir = await mkdtemp(join(tmpdir(), "tp-bin-"));
  await writeFile(join(binDir, "terraform-1.5.7"), "");
  t = await startTestServer({ env: { TERRAPOD_EXECUTOR: "none", TERRAPOD_BINARY_DIR: binDir } });
});
afterAll(async () => {
  await t?.stop();
});

const page: PageRequest = { page: 1, size: 20 };

/** A runner of a run of `workspaceId` (a job token's actor). */
const runnerOf = (workspaceId: string, runId = "run-aaaaaaaaaaaaaaaa"): Actor => ({
  kind: "run",
  runId: runId as RunId,
  workspaceId: workspaceId as WorkspaceId,
  organization: "default" as OrganizationName,
  phase: "plan",
  attempt: 1,
});

async function workspace(name: string, attributes: Record<string, unknown> = {}): Promise<string> {
  const body = JSON.stringify({ data: { type: "workspaces", attributes: { name, ...attributes } } });
  const doc = await expectJson<Doc>(
    await t.api("/api/v2/organizations/default/workspaces", { method: "POST", body }),
    201,
  );
  return doc.data.id;
}

async function queuedRunWithVariables(ws: string): Promise<string> {
  const cv = await expectJson<Doc>(
    await t.api(`/api/v2/workspaces/${ws}/configuration-versions`, {
      method: "POST",
      body: JSON.stringify({
        data: { type: "configuration-versions", attributes: { "auto-queue-runs": false } },
      }),
    }),
    201,
  );
  const dir = await mkdtemp(join(tmpdir(), "tp-cfg-"));
  await writeFile(join(dir, "main.tf"), 'variable "secret" {}\n');
  expect(await Bun.spawn(["tar", "-czf", join(dir, "c.tgz"), "-C", dir, "main.tf"]).exited).toBe(0);
  const put = await fetch(String(cv.data.attributes["upload-url"]), {
    method: "PUT",
    body: Bun.file(join(dir, "c.tgz")),
  });
  expect(put.status).toBe(200);
  const run = await expectJson<Doc>(
    await t.api("/api/v2/runs", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "runs",
          attributes: { variables: [{ key: "secret", value: '"hunter2"' }] },
          relationships: {
            workspace: { data: { type: "workspaces", id: ws } },
            "configuration-version": { data: { type: "configuration-versions", id: cv.data.id } },
          },
        },
      }),
    }),
    201,
  );
  return run.data.id;
}

describe("runs", () => {
  test("the run queue: an admin sees the run and its variables; a runner sees no other runs", async () => {
    const ws = await workspace("queued");
    const runId = await queuedRunWithVariables(ws);
    const queue = await expectJson<ListDoc>(await t.api("/api/v2/organizations/default/runs/queue"));
    const listed = queue.data.find((r) => r.id === runId);
    expect(listed?.attributes.variables).toEqual([{ key: "secret", value: '"hunter2"' }]);

    const other = await workspace("queued-elsewhere");
    const seen = await t.server.services.runs.queue(runnerOf(other), "default" as OrganizationName, page);
    expect(seen.items).toEqual([]);
    expect(seen.total).toBe(0);
  });

  test("run variables are never shown to runners", async () => {
    const ws = await workspace("variables");
    const runId = await queuedRunWithVariables(ws);
    const runs = t.server.services.runs;
    const runner = runnerOf(ws, runId);
    const run = await runs.get(runner, runId);
    expect((await runs.permissions(runner, run)).canReadVariables).toBe(false);
    const doc = await expectJson<Doc>(await t.api(`/api/v2/runs/${runId}`));
    expect(doc.data.attributes.variables).toEqual([{ key: "secret", value: '"hunter2"' }]);
  });
});

const stateFile = JSON.stringify({
  version: 4,
  terraform_version: "1.5.7",
  serial: 1,
  lineage: "disclosure",
  outputs: {
    password: { value: "s3cret", type: "string", sensitive: true },
    name: { value: "visible", type: "string" },
  },
  resources: [],
});

async function pendingStateVersion(ws: string): Promise<Doc> {
  await expectJson<Doc>(await t.api(`/api/v2/workspaces/${ws}/actions/lock`, { method: "POST" }));
  const md5 = createHash("md5").update(stateFile).digest("hex");
  return expectJson<Doc>(
    await t.api(`/api/v2/workspaces/${ws}/state-versions`, {
      method: "POST",
      body: JSON.stringify({
        data: { type: "state-versions", attributes: { serial: 1, lineage: "disclosure", md5 } },
      }),
    }),
    201,
  );
}

describe("state versions", () => {
  test("upload URLs: to state writers only, and only while the version awaits that upload", async () => {
    const ws = await workspace("uploads", { "execution-mode": "local" });
    const sv = await pendingStateVersion(ws);
    const stateUrl = String(sv.data.attributes["hosted-state-upload-url"]);
    const jsonUrl = String(sv.data.attributes["hosted-json-state-upload-url"]);
    expect(stateUrl).toContain("/state-upload/");
    expect(jsonUrl).toContain("/json-state-upload/");
    // a reader of the workspace (a runner's job token has read) gets no upload URL
    const asReader = await t.server.services.stateVersions.get(runnerOf(ws), sv.data.id);
    expect(asReader.uploads).toEqual({ state: false, json: false });

    expect((await fetch(stateUrl, { method: "PUT", body: stateFile })).status).toBe(200);
    const finalized = await expectJson<Doc>(await t.api(`/api/v2/state-versions/${sv.data.id}`));
    expect(finalized.data.attributes["hosted-state-upload-url"]).toBeNull();
    // go-tfe uploads the JSON state alongside: still awaited just after finalizing
    expect(finalized.data.attributes["hosted-json-state-upload-url"]).toContain("/json-state-upload/");
    expect((await fetch(jsonUrl, { method: "PUT", body: "{}" })).status).toBe(200);
    const done = await expectJson<Doc>(await t.api(`/api/v2/state-versions/${sv.data.id}`));
    expect(done.data.attributes["hosted-json-state-upload-url"]).toBeNull();
  });

  test("sensitive output values need state:read-sensitive", async () => {
    const ws = await workspace("outputs", { "execution-mode": "local" });
    const sv = await pendingStateVersion(ws);
    const put = await fetch(String(sv.data.attributes["hosted-state-upload-url"]), {
      method: "PUT",
      body: stateFile,
    });
    expect(put.status).toBe(200);
    const asAdmin = await expectJson<ListDoc>(await t.api(`/api/v2/state-versions/${sv.data.id}/outputs`));
    const values = Object.fromEntries(asAdmin.data.map((o) => [o.attributes.name, o.attributes.value]));
    expect(values).toEqual({ password: "s3cret", name: "visible" });

    // a reader (read level, not write): the outputs, without the sensitive value
    const reader = runnerOf(ws);
    const outputs = await t.server.services.stateVersions.outputs(reader, sv.data.id);
    const password = outputs.find((o) => o.name === "password");
    expect(password).toMatchObject({ sensitive: true, valueHidden: true, value: undefined });
    expect(outputs.find((o) => o.name === "name")?.value).toBe("visible");
    if (!password) throw new Error("no password output");
    expect((await t.server.services.stateVersions.output(reader, password.id)).valueHidden).toBe(true);
  });
});
