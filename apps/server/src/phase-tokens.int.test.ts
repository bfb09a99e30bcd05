/**
 * Phase-scoped credentials: the runner's job token works on the runner protocol only, for its run, phase
 * and attempt, and dies when the phase ends; only the current apply holding the workspace lock saves
 * state; the engine's run-reader token reads the state of workspaces that share theirs, nothing else.
 * The test acts as the runner (TERRAPOD_EXECUTOR=none).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { releaseRunLock } from "@terrapod/core";
import { executorPaths, type JobSpec, protocolVersion } from "@terrapod/runner-protocol";
import { type Doc, expectJson } from "./testing/test-http.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;

beforeAll(async () => {
  const binDir = await mkdtemp(join(tmpdir(), "tp-bin-"));
  await writeFile(join(binDir, "terraform-1.5.7"), "");
  // A 1 s heartbeat makes force-cancel open 2 s after a cancel.
  t = await startTestServer({
    env: { TERRAPOD_EXECUTOR: "none", TERRAPOD_BINARY_DIR: binDir, TERRAPOD_RUNNER_HEARTBEAT_SECONDS: "1" },
  });
});
afterAll(async () => {
  await t?.stop();
});

const as =
  (token: string) =>
  (path: string, init: RequestInit = {}) =>
    t.api(path, { ...init, token });
const post = (body?: unknown): RequestInit => ({
  method: "POST",
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

async function workspace(name: string, attributes: Record<string, unknown> = {}) {
  const doc = await expectJson<Doc>(
    await t.api(
      "/api/v2/organizations/default/workspaces",
      post({ data: { type: "workspaces", attributes: { name, ...attributes } } }),
    ),
    201,
  );
  return doc.data.id;
}

/** A workspace with a current state (pushed by the admin), outputs `greeting` and a sensitive `secret`. */
async function workspaceWithState(name: string, attributes: Record<string, unknown> = {}) {
  const ws = await workspace(name, { "execution-mode": "local", ...attributes });
  const state = JSON.stringify({
    version: 4,
    terraform_version: "1.5.7",
    serial: 1,
    lineage: `L-${name}`,
    outputs: {
      greeting: { value: `hello-${name}`, type: "string" },
      secret: { value: "s3cr3t", type: "string", sensitive: true },
    },
    resources: [],
  });
  await expectJson(await t.api(`/api/v2/workspaces/${ws}/actions/lock`, post()), 200);
  const md5 = createHash("md5").update(state).digest("hex");
  const attrs = { serial: 1, lineage: `L-${name}`, md5, state: Buffer.from(state).toString("base64") };
  await expectJson(
    await t.api(
      `/api/v2/workspaces/${ws}/state-versions`,
      post({ data: { type: "state-versions", attributes: attrs } }),
    ),
    201,
  );
  await expectJson(await t.api(`/api/v2/workspaces/${ws}/actions/unlock`, post()), 200);
  return { id: ws, name, state };
}

/** A run of `ws` with an uploaded configuration; queued at once. */
async function queuedRun(ws: string, attributes: Record<string, unknown> = {}): Promise<string> {
  const cv = await expectJson<Doc>(
    await t.api(
      `/api/v2/workspaces/${ws}/configuration-versions`,
      post({ data: { type: "configuration-versions", attributes: { "auto-queue-runs": false } } }),
    ),
    201,
  );
  const dir = await mkdtemp(join(tmpdir(), "tp-cfg-"));
  await writeFile(join(dir, "main.tf"), 'resource "terraform_data" "a" {}\n');
  const tar = Bun.spawn(["tar", "-czf", `${dir}.tar.gz`, "-C", dir, "main.tf"]);
  expect(await tar.exited).toBe(0);
  const url = cv.data.attributes["upload-url"] as string;
  expect((await fetch(url, { method: "PUT", body: Bun.file(`${dir}.tar.gz`) })).status).toBe(200);
  const run = await expectJson<Doc>(
    await t.api(
      "/api/v2/runs",
      post({
        data: {
          type: "runs",
          attributes,
          relationships: {
            workspace: { data: { type: "workspaces", id: ws } },
            "configuration-version": { data: { type: "configuration-versions", id: cv.data.id } },
          },
        },
      }),
    ),
    201,
  );
  return run.data.id;
}

/** Claims the next phase as an executor would; returns its job token and a runner-protocol fetch. */
async function claim() {
  const job = await t.server.services.jobs.claim("test-executor");
  if (!job) throw new Error("no job to claim");
  const token = t.server.jobTokens.issue({ runId: job.runId, phase: job.phase, attempt: job.attempt }, 600);
  const runner = (path: string, init: RequestInit = {}) =>
    fetch(`${t.url}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
  return { job, token, runner };
}

const result = (status: string, extra: Record<string, unknown> = {}): RequestInit =>
  post({ version: protocolVersion, status, ...extra });
const heartbeat = (): RequestInit => post({ version: protocolVersion });
const rawState = (serial: number, lineage: string) =>
  JSON.stringify({ version: 4, terraform_version: "1.5.7", serial, lineage, outputs: {}, resources: [] });

async function runStatus(id: string): Promise<string> {
  return String((await expectJson<Doc>(await t.api(`/api/v2/runs/${id}`))).data.attributes.status);
}

async function confirmedApply(ws: string) {
  const runId = await queuedRun(ws);
  const plan = await claim();
  expect((await plan.runner("/api/runner/v1/result", result("finished", { hasChanges: true }))).status).toBe(
    204,
  );
  expect((await t.api(`/api/v2/runs/${runId}/actions/apply`, post())).status).toBe(202);
  const apply = await claim();
  expect(apply.job.phase).toBe("apply");
  return { runId, plan, apply };
}

describe("a runner's job token", () => {
  test("works on the runner protocol only: the TFE API and the executor API refuse it (401)", async () => {
    const ws = await workspace("jt-surface");
    const other = await workspace("jt-surface-other");
    const runId = await queuedRun(ws);
    const { runner, token } = await claim();
    expect((await runner("/api/runner/v1/job")).status).toBe(200);
    const tfe = as(token);
    for (const res of [
      await tfe(`/api/v2/workspaces/${ws}`),
      await tfe(`/api/v2/workspaces/${other}`),
      await tfe(`/api/v2/runs/${runId}`),
      await tfe(`/api/v2/workspaces/${ws}/actions/lock`, post()),
      await tfe(`/api/v2/runs/${runId}/actions/apply`, post()),
      await tfe(`/api/v2/workspaces/${ws}/current-state-version`),
      await tfe(
        `/api/v2/workspaces/${ws}/state-versions`,
        post({
          data: { type: "state-versions", attributes: { serial: 1, md5: "0".repeat(32), lineage: "L" } },
        }),
      ),
      await fetch(`${t.url}${executorPaths.claim}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ version: protocolVersion, executorId: "x" }),
      }),
    ]) {
      expect(res.status).toBe(401);
    }
  });

  test("of a plan saves no state (409, nothing stored)", async () => {
    const ws = await workspace("jt-plan-state");
    await queuedRun(ws);
    const { runner } = await claim();
    const put = await runner("/api/runner/v1/state", { method: "PUT", body: rawState(1, "L") });
    expect(put.status).toBe(409);
    expect((await t.api(`/api/v2/workspaces/${ws}/current-state-version`)).status).toBe(404);
  });

  test("dies when its phase ends: every runner call is then 401", async () => {
    const ws = await workspace("jt-phase-end");
    const { runId, plan, apply } = await confirmedApply(ws);
    for (const [path, init] of [
      ["/api/runner/v1/job", {}],
      ["/api/runner/v1/heartbeat", heartbeat()],
      ["/api/runner/v1/result", result("finished")],
      ["/api/runner/v1/logs", { method: "POST", body: "x", headers: { "x-log-offset": "0" } }],
      ["/api/runner/v1/artifacts/plan-file", { method: "PUT", body: "P" }],
    ] as const) {
      expect((await plan.runner(path, init)).status).toBe(401);
    }
    expect(
      (await apply.runner("/api/runner/v1/state", { method: "PUT", body: rawState(1, "A") })).status,
    ).toBe(200);
    expect((await apply.runner("/api/runner/v1/result", result("finished"))).status).toBe(204);
    expect(await runStatus(runId)).toBe("applied");
    // the apply is over: its token is dead, a late state upload stores nothing
    expect((await apply.runner("/api/runner/v1/heartbeat", heartbeat())).status).toBe(401);
    expect((await apply.runner("/api/runner/v1/result", result("finished"))).status).toBe(401);
    expect(
      (await apply.runner("/api/runner/v1/state", { method: "PUT", body: rawState(2, "A") })).status,
    ).toBe(401);
    const sv = await expectJson<Doc>(await t.api(`/api/v2/workspaces/${ws}/current-state-version`));
    expect(sv.data.attributes.serial).toBe(1);
  });

  test("when dead is told 401 however often it calls: no guess, so no 429", async () => {
    const ws = await workspace("jt-no-429");
    await queuedRun(ws);
    const { runner } = await claim();
    expect((await runner("/api/runner/v1/result", result("errored"))).status).toBe(204);
    const statuses = [];
    for (let i = 0; i < 15; i++)
      statuses.push((await runner("/api/runner/v1/heartbeat", heartbeat())).status);
    expect(new Set(statuses)).toEqual(new Set([401]));
  });

  test("of a superseded attempt is refused; the retry's token works", async () => {
    const ws = await workspace("jt-superseded");
    await queuedRun(ws);
    const first = await claim();
    await t.server.services.jobs.reap({ job: { runId: first.job.runId, attempt: first.job.attempt } });
    const second = await claim();
    expect(second.job.attempt).toBe(first.job.attempt + 1);
    expect((await first.runner("/api/runner/v1/heartbeat", heartbeat())).status).toBe(401);
    expect((await second.runner("/api/runner/v1/heartbeat", heartbeat())).status).toBe(200);
  });

  test("dies at force-cancel; the phase's log is kept all the same", async () => {
    const ws = await workspace("jt-force");
    const { runId, apply } = await confirmedApply(ws);
    const log = await apply.runner("/api/runner/v1/logs", {
      method: "POST",
      body: "applying...\n",
      headers: { "x-log-offset": "0" },
    });
    expect(log.status).toBe(200);
    expect((await t.api(`/api/v2/runs/${runId}/actions/cancel`, post())).status).toBe(202);
    const doc = await expectJson<Doc>(await t.api(`/api/v2/runs/${runId}`));
    const opensAt = Date.parse(String(doc.data.attributes["force-cancel-available-at"]));
    await Bun.sleep(Math.max(0, opensAt - Date.now()) + 50);
    expect((await t.api(`/api/v2/runs/${runId}/actions/force-cancel`, post())).status).toBe(202);
    expect((await apply.runner("/api/runner/v1/heartbeat", heartbeat())).status).toBe(401);
    expect(
      (await apply.runner("/api/runner/v1/state", { method: "PUT", body: rawState(1, "F") })).status,
    ).toBe(401);
    expect((await t.api(`/api/v2/workspaces/${ws}/current-state-version`)).status).toBe(404);
    // the killed runner cannot report: force-cancel itself stored the apply's log
    expect(await t.blobKeys(`logs/${ws}/${runId}/`)).toContain(`logs/${ws}/${runId}/apply.log`);
  });
});

describe("state from a runner", () => {
  test("a graceful cancel keeps the apply current until it reports: its partial state is saved", async () => {
    const ws = await workspace("st-cancel");
    const { runId, apply } = await confirmedApply(ws);
    expect((await t.api(`/api/v2/runs/${runId}/actions/cancel`, post())).status).toBe(202);
    const beat = await expectJson<{ cancel: boolean }>(
      await apply.runner("/api/runner/v1/heartbeat", heartbeat()),
    );
    expect(beat.cancel).toBe(true);
    expect(
      (await apply.runner("/api/runner/v1/state", { method: "PUT", body: rawState(1, "C") })).status,
    ).toBe(200);
    expect((await apply.runner("/api/runner/v1/result", result("canceled"))).status).toBe(204);
    expect(await runStatus(runId)).toBe("canceled");
    const sv = await expectJson<Doc>(await t.api(`/api/v2/workspaces/${ws}/current-state-version`));
    expect(sv.data.attributes.serial).toBe(1);
  });

  test("is refused (409, nothing stored) from an apply that does not hold the workspace lock", async () => {
    const ws = await workspace("st-no-lock");
    const { runId, apply } = await confirmedApply(ws);
    await releaseRunLock(t.db.db, ws, runId);
    const put = await apply.runner("/api/runner/v1/state", { method: "PUT", body: rawState(1, "N") });
    expect(put.status).toBe(409);
    expect((await t.api(`/api/v2/workspaces/${ws}/current-state-version`)).status).toBe(404);
  });
});

describe("the engine's run-reader token", () => {
  async function readerOf(ws: string) {
    await queuedRun(ws);
    const phase = await claim();
    const spec = (await (await phase.runner("/api/runner/v1/job")).json()) as JobSpec;
    if (!spec.runToken) throw new Error("the job spec carries no run token");
    return { ...phase, spec, reader: as(spec.runToken.token) };
  }

  test("comes with the job spec, for the server's hosts", async () => {
    const ws = await workspace("rr-spec");
    const { spec, token } = await readerOf(ws);
    const port = new URL(t.url).port;
    expect(spec.runToken?.token.startsWith("tprun.")).toBe(true);
    expect(spec.runToken?.token).not.toBe(token);
    expect(spec.runToken?.hosts).toEqual(expect.arrayContaining([`localhost:${port}`, `127.0.0.1:${port}`]));
  });

  test("reads what terraform_remote_state needs of a workspace that shares its state", async () => {
    const source = await workspaceWithState("rr-shared", { "global-remote-state": true });
    const ws = await workspace("rr-reader-1");
    const { reader, spec } = await readerOf(ws);
    const readerToken = spec.runToken?.token ?? "";
    expect((await reader("/api/v2/organizations/default/entitlement-set")).status).toBe(200);
    const byName = await expectJson<Doc>(
      await reader(`/api/v2/organizations/default/workspaces/${source.name}`),
    );
    expect(byName.data.id).toBe(source.id);
    const current = await expectJson<Doc>(
      await reader(`/api/v2/workspaces/${source.id}/current-state-version`),
    );
    const url = String(current.data.attributes["hosted-state-download-url"]);
    expect(await (await fetch(url, { headers: { authorization: `Bearer ${readerToken}` } })).text()).toBe(
      source.state,
    );
    const outputs = await expectJson<{ data: Doc["data"][] }>(
      await reader(`/api/v2/workspaces/${source.id}/current-state-version-outputs`),
    );
    expect(outputs.data.map((o) => o.attributes.name).sort()).toEqual(["greeting", "secret"]);
  });

  test("reads a workspace that lists the run's workspace among its remote state consumers", async () => {
    const source = await workspaceWithState("rr-consumed");
    const ws = await workspace("rr-reader-2");
    const { reader } = await readerOf(ws);
    expect((await reader(`/api/v2/workspaces/${source.id}/current-state-version`)).status).toBe(404);
    const add = await t.api(
      `/api/v2/workspaces/${source.id}/relationships/remote-state-consumers`,
      post({ data: [{ type: "workspaces", id: ws }] }),
    );
    expect(add.status).toBe(204);
    expect((await reader(`/api/v2/workspaces/${source.id}/current-state-version`)).status).toBe(200);
  });

  test("cannot see a workspace that does not share its state, nor its own (404)", async () => {
    const hidden = await workspaceWithState("rr-hidden");
    const ws = await workspace("rr-reader-3");
    const { reader } = await readerOf(ws);
    for (const path of [
      `/api/v2/workspaces/${hidden.id}`,
      `/api/v2/organizations/default/workspaces/${hidden.name}`,
      `/api/v2/workspaces/${hidden.id}/current-state-version`,
      `/api/v2/workspaces/${hidden.id}/current-state-version-outputs`,
      `/api/v2/workspaces/${hidden.id}/actions/lock`,
      `/api/v2/workspaces/${ws}`,
      `/api/v2/workspaces/${ws}/current-state-version`,
    ]) {
      const res = await reader(path, path.endsWith("/lock") ? post() : {});
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    const list = await expectJson<{ data: unknown[] }>(
      await reader("/api/v2/organizations/default/workspaces"),
    );
    expect(list.data).toEqual([]);
  });

  test("cannot write anything, even where it may read (403)", async () => {
    const source = await workspaceWithState("rr-write", { "global-remote-state": true });
    const ws = await workspace("rr-reader-4");
    const { reader } = await readerOf(ws);
    const refusals = [
      await reader(`/api/v2/workspaces/${source.id}/actions/lock`, post()),
      await reader(
        `/api/v2/workspaces/${source.id}/state-versions`,
        post({
          data: {
            type: "state-versions",
            attributes: { serial: 2, md5: "0".repeat(32), lineage: `L-${source.name}` },
          },
        }),
      ),
      await reader(`/api/v2/workspaces/${source.id}`, {
        method: "PATCH",
        body: JSON.stringify({ data: { type: "workspaces", attributes: { description: "x" } } }),
      }),
      await reader(`/api/v2/workspaces/${source.id}/vars`),
      await reader(`/api/v2/workspaces/${source.id}/runs`),
      await reader(
        "/api/v2/organizations/default/workspaces",
        post({ data: { type: "workspaces", attributes: { name: "rr-created" } } }),
      ),
    ];
    expect(refusals.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    const sv = await expectJson<Doc>(await t.api(`/api/v2/workspaces/${source.id}/current-state-version`));
    expect(sv.data.attributes.serial).toBe(1);
  });

  test("works on the TFE API only, and dies when its phase ends", async () => {
    const source = await workspaceWithState("rr-end", { "global-remote-state": true });
    const ws = await workspace("rr-reader-5");
    const { spec, runner, reader } = await readerOf(ws);
    const readerToken = spec.runToken?.token ?? "";
    const asRunner = await fetch(`${t.url}/api/runner/v1/job`, {
      headers: { authorization: `Bearer ${readerToken}` },
    });
    expect(asRunner.status).toBe(401);
    expect((await reader(`/api/v2/workspaces/${source.id}`)).status).toBe(200);
    expect((await runner("/api/runner/v1/result", result("finished", { hasChanges: false }))).status).toBe(
      204,
    );
    expect((await reader(`/api/v2/workspaces/${source.id}`)).status).toBe(401);
  });
});
