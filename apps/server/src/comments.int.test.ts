import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomIdPart } from "@terrapod/kernel";
import {
  type Doc,
  type ListDoc,
  expectJson as ok,
  expectProblem as problem,
  type Resource,
} from "./testing/test-http.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/**
 * Run comments, and the run settings of a workspace (destroy and speculative plans, auto-destroy). Runs are
 * driven by the test acting as the runner (TERRAPOD_EXECUTOR=none).
 */
let t: TestServer;

beforeAll(async () => {
  const binDir = await mkdtemp(join(tmpdir(), "tp-bin-"));
  await writeFile(join(binDir, "terraform-1.5.7"), "");
  t = await startTestServer({ env: { TERRAPOD_EXECUTOR: "none", TERRAPOD_BINARY_DIR: binDir } });
});
afterAll(async () => {
  await t?.stop();
});

async function send(method: string, path: string, data?: unknown, token?: string | null) {
  return t.api(path, {
    method,
    ...(data === undefined ? {} : { body: JSON.stringify(data) }),
    ...(token === undefined ? {} : { token }),
  });
}

async function workspace(attributes: Record<string, unknown> = {}): Promise<string> {
  const doc = await ok<Doc>(
    await send("POST", "/api/v2/organizations/default/workspaces", {
      data: { type: "workspaces", attributes: { name: `ws-${randomIdPart(8)}`, ...attributes } },
    }),
    201,
  );
  return doc.data.id;
}

/** An uploaded configuration version (the archive is a one-file tarball made by `tar`). */
async function configurationVersion(ws: string, speculative = false): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tp-cfg-"));
  await writeFile(join(dir, "main.tf"), 'resource "terraform_data" "a" {}\n');
  const out = `${dir}.tar.gz`;
  expect(await Bun.spawn(["tar", "-czf", out, "-C", dir, "main.tf"]).exited).toBe(0);
  const cv = await ok<Doc>(
    await send("POST", `/api/v2/workspaces/${ws}/configuration-versions`, {
      data: { type: "configuration-versions", attributes: { "auto-queue-runs": false, speculative } },
    }),
    201,
  );
  const put = await fetch(String(cv.data.attributes["upload-url"]), { method: "PUT", body: Bun.file(out) });
  expect(put.status).toBe(200);
  return cv.data.id;
}

function runDoc(ws: string, cv: string, attributes: Record<string, unknown> = {}) {
  return {
    data: {
      type: "runs",
      attributes,
      relationships: {
        workspace: { data: { type: "workspaces", id: ws } },
        "configuration-version": { data: { type: "configuration-versions", id: cv } },
      },
    },
  };
}

async function createRun(
  ws: string,
  cv: string,
  attributes: Record<string, unknown> = {},
): Promise<Resource> {
  return (await ok<Doc>(await send("POST", "/api/v2/runs", runDoc(ws, cv, attributes)), 201)).data;
}

/** Claims the next plan and reports it finished with changes: the run waits for confirmation. */
async function planWithChanges(runId: string): Promise<void> {
  const job = await t.server.services.jobs.claim("test-runner");
  if (!job || job.runId !== runId) throw new Error(`expected to claim ${runId}`);
  const token = t.server.jobTokens.issue({ runId: job.runId, phase: job.phase, attempt: job.attempt }, 600);
  const result = await fetch(`${t.url}/api/runner/v1/result`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({
      version: 1,
      status: "finished",
      hasChanges: true,
      counts: { additions: 1, changes: 0, destructions: 0, imports: 0 },
    }),
  });
  expect(result.status).toBe(204);
}

const comment = (body: unknown) => ({ data: { type: "comments", attributes: { body } } });
const bodiesOf = async (runId: string) =>
  (await ok<ListDoc>(await t.api(`/api/v2/runs/${runId}/comments`))).data.map((c) => c.attributes.body);

describe("run comments", () => {
  test("add, list and read; the run lists them and its events record who commented", async () => {
    const ws = await workspace();
    const run = await createRun(ws, await configurationVersion(ws));
    expect(await bodiesOf(run.id)).toEqual([]);
    expect((run.attributes.permissions as Record<string, boolean>)["can-comment"]).toBe(true);

    const created = await ok<Doc>(
      await send("POST", `/api/v2/runs/${run.id}/comments`, comment("first")),
      201,
    );
    expect(created.data).toMatchObject({ type: "comments", attributes: { body: "first" } });
    expect(created.data.id).toStartWith("wsc-");
    await ok<Doc>(await send("POST", `/api/v2/runs/${run.id}/comments`, comment("second")), 201);
    expect(await bodiesOf(run.id)).toEqual(["first", "second"]);

    const read = await ok<Doc>(await t.api(`/api/v2/comments/${created.data.id}`));
    expect(read.data.attributes.body).toBe("first");
    const doc = await ok<Doc>(await t.api(`/api/v2/runs/${run.id}`));
    expect(doc.data.relationships?.comments?.data).toEqual([
      { type: "comments", id: created.data.id },
      { type: "comments", id: expect.stringMatching(/^wsc-/) },
    ]);

    const events = await ok<ListDoc>(await t.api(`/api/v2/runs/${run.id}/run-events?include=actor,comment`));
    const commented = events.data.find((e) => e.attributes.action === "commented");
    const eventComment = commented?.relationships?.comment?.data as { type: string; id: string };
    expect(eventComment).toEqual({ type: "comments", id: created.data.id });
    const actor = commented?.relationships?.actor?.data as { type: string; id: string };
    expect(actor.type).toBe("users");
    const users = events.included?.filter((r) => r.type === "users") ?? [];
    expect(users.map((u) => u.attributes.username)).toContain("admin");
    expect(
      events.included
        ?.filter((r) => r.type === "comments")
        .map((c) => c.attributes.body)
        .sort(),
    ).toEqual(["first", "second"]);
    const one = await ok<Doc>(await t.api(`/api/v2/run-events/${commented?.id}?include=comment,actor`));
    expect(one.included?.map((r) => r.type).sort()).toEqual(["comments", "users"]);
    const plain = await ok<Doc>(await t.api(`/api/v2/run-events/${commented?.id}`));
    expect(plain.included).toBeUndefined();
    await send("POST", `/api/v2/runs/${run.id}/actions/cancel`);
  });

  test("errors: blank body, wrong type, unknown run or comment, no token", async () => {
    const ws = await workspace();
    const run = await createRun(ws, await configurationVersion(ws));
    const blank = await problem(await send("POST", `/api/v2/runs/${run.id}/comments`, comment("  ")), 422);
    expect(blank.source?.pointer).toBe("/data/attributes/body");
    const wrongType = { data: { type: "runs", attributes: { body: "x" } } };
    expect((await send("POST", `/api/v2/runs/${run.id}/comments`, wrongType)).status).toBe(422);
    expect((await send("POST", "/api/v2/runs/run-nonexistent/comments", comment("x"))).status).toBe(404);
    expect((await t.api("/api/v2/runs/run-nonexistent/comments")).status).toBe(404);
    expect((await t.api("/api/v2/comments/wsc-nonexistent")).status).toBe(404);
    expect((await t.api("/api/v2/comments/not-a-comment")).status).toBe(404);
    expect((await send("POST", `/api/v2/runs/${run.id}/comments`, comment("x"), null)).status).toBe(401);
    await send("POST", `/api/v2/runs/${run.id}/actions/cancel`);
  });

  test("the comment of apply, discard and cancel is kept as a run comment", async () => {
    const ws = await workspace();
    const cv = await configurationVersion(ws);
    const applied = await createRun(ws, cv);
    await planWithChanges(applied.id);
    expect(
      (await send("POST", `/api/v2/runs/${applied.id}/actions/apply`, { comment: "Hello, Earl" })).status,
    ).toBe(202);
    expect(await bodiesOf(applied.id)).toEqual(["Hello, Earl"]);
    const doc = await ok<Doc>(await t.api(`/api/v2/runs/${applied.id}`));
    expect(doc.data.relationships?.comments?.data as unknown[]).toHaveLength(1);
    await send("POST", `/api/v2/runs/${applied.id}/actions/cancel`, { comment: "stop it" });
    expect(await bodiesOf(applied.id)).toEqual(["Hello, Earl", "stop it"]);

    const discarded = await createRun(ws, cv);
    await planWithChanges(discarded.id);
    expect(
      (await send("POST", `/api/v2/runs/${discarded.id}/actions/discard`, { comment: "not now" })).status,
    ).toBe(202);
    expect(await bodiesOf(discarded.id)).toEqual(["not now"]);

    // An action that is refused keeps no comment; an action without one adds none.
    expect(
      (await send("POST", `/api/v2/runs/${discarded.id}/actions/apply`, { comment: "late" })).status,
    ).toBe(409);
    expect(await bodiesOf(discarded.id)).toEqual(["not now"]);
    const canceled = await createRun(ws, cv);
    expect((await send("POST", `/api/v2/runs/${canceled.id}/actions/cancel`)).status).toBe(202);
    expect(await bodiesOf(canceled.id)).toEqual([]);
  });
});

describe("a workspace's run settings", () => {
  test("allow-destroy-plan false refuses destroy runs", async () => {
    const ws = await workspace({ "allow-destroy-plan": false });
    const cv = await configurationVersion(ws);
    const err = await problem(
      await send("POST", "/api/v2/runs", runDoc(ws, cv, { "is-destroy": true })),
      422,
    );
    expect(err.source?.pointer).toBe("/data/attributes/is-destroy");
    expect(err.detail).toContain("allow-destroy-plan setting is false");
    const run = await createRun(ws, cv);
    await send("POST", `/api/v2/runs/${run.id}/actions/cancel`);
  });

  test("speculative-enabled false refuses plan-only runs and speculative configuration versions", async () => {
    const ws = await workspace({ "speculative-enabled": false });
    const cv = await configurationVersion(ws);
    const planOnly = await problem(
      await send("POST", "/api/v2/runs", runDoc(ws, cv, { "plan-only": true })),
      422,
    );
    expect(planOnly.source?.pointer).toBe("/data/attributes/plan-only");
    expect(planOnly.detail).toContain("speculative-enabled setting is false");
    const speculativeCv = await configurationVersion(ws, true);
    const onCv = await problem(await send("POST", "/api/v2/runs", runDoc(ws, speculativeCv)), 422);
    expect(onCv.source?.pointer).toBe("/data/relationships/configuration-version");
  });

  test("auto-destroy-at: once due, a destroy run that applies by itself is queued and the schedule ends", async () => {
    const ws = await workspace({ "auto-destroy-at": "2021-01-01T00:00:00Z" });
    await configurationVersion(ws);
    const outcome = (await t.server.services.runs.queueDueAutoDestroys()).find((o) => o.workspaceId === ws);
    expect(outcome?.error).toBeUndefined();
    const run = await ok<Doc>(await t.api(`/api/v2/runs/${outcome?.runId}`));
    expect(run.data.attributes).toMatchObject({ "is-destroy": true, "auto-apply": true });
    const read = await ok<Doc>(await t.api(`/api/v2/workspaces/${ws}`));
    expect(read.data.attributes["auto-destroy-at"]).toBeNull();
    await send("POST", `/api/v2/runs/${run.data.id}/actions/cancel`);
  });
});
