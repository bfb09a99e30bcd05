import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/** Runs here are driven by the test acting as the runner (TERRAPOD_EXECUTOR=none), through the real protocol. */
let t: TestServer;
let binDir: string;

type Doc<T = Record<string, unknown>> = {
  data: {
    id: string;
    type: string;
    attributes: T;
    relationships: Record<string, { data: { id: string } | null }>;
  };
};

beforeAll(async () => {
  binDir = await mkdtemp(join(tmpdir(), "tp-bin-"));
  await writeFile(join(binDir, "terraform-1.5.7"), "");
  // A 1 s heartbeat makes force-cancel open 2 s after a cancel (two heartbeat intervals).
  t = await startTestServer({
    env: { TERRAPOD_EXECUTOR: "none", TERRAPOD_BINARY_DIR: binDir, TERRAPOD_RUNNER_HEARTBEAT_SECONDS: "1" },
  });
});
afterAll(async () => {
  await t?.stop();
});

async function json<T = Doc>(res: Response, status?: number): Promise<T> {
  const text = await res.text();
  if (status !== undefined && res.status !== status)
    throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function workspace(name: string): Promise<string> {
  const doc = await json(
    await t.api("/api/v2/organizations/default/workspaces", {
      method: "POST",
      body: JSON.stringify({ data: { type: "workspaces", attributes: { name } } }),
    }),
    201,
  );
  return doc.data.id;
}

async function tarball(files: Record<string, string>, extraArgs: string[] = []): Promise<Blob> {
  const dir = await mkdtemp(join(tmpdir(), "tp-cfg-"));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const out = join(dir, "..", `${dir.split("/").pop()}.tar.gz`);
  const proc = Bun.spawn(["tar", "-czf", out, ...extraArgs, "-C", dir, ...Object.keys(files)]);
  expect(await proc.exited).toBe(0);
  return new Blob([await Bun.file(out).arrayBuffer()]);
}

async function configurationVersion(ws: string, opts: { speculative?: boolean; archive?: Blob } = {}) {
  const cv = await json<Doc<{ "upload-url": string; status: string }>>(
    await t.api(`/api/v2/workspaces/${ws}/configuration-versions`, {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "configuration-versions",
          attributes: { "auto-queue-runs": false, speculative: opts.speculative ?? false },
        },
      }),
    }),
    201,
  );
  expect(cv.data.attributes.status).toBe("pending");
  const archive = opts.archive ?? (await tarball({ "main.tf": 'resource "terraform_data" "a" {}\n' }));
  const put = await fetch(cv.data.attributes["upload-url"], { method: "PUT", body: archive });
  return { id: cv.data.id, put };
}

async function createRun(ws: string, cv: string, attributes: Record<string, unknown> = {}) {
  return json<Doc<Record<string, unknown>>>(
    await t.api("/api/v2/runs", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "runs",
          attributes,
          relationships: {
            workspace: { data: { type: "workspaces", id: ws } },
            "configuration-version": { data: { type: "configuration-versions", id: cv } },
          },
        },
      }),
    }),
    201,
  );
}

async function runStatus(id: string): Promise<string> {
  const doc = await json<Doc<{ status: string }>>(await t.api(`/api/v2/runs/${id}`), 200);
  return doc.data.attributes.status;
}

async function claim() {
  const job = await t.server.services.jobs.claim("test-runner");
  if (!job) throw new Error("no job to claim");
  const token = t.server.jobTokens.issue({ runId: job.runId, phase: job.phase, attempt: job.attempt }, 600);
  const runner = (path: string, init: RequestInit = {}) =>
    fetch(`${t.url}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
  return { job, runner };
}

describe("configuration versions", () => {
  test("an uploaded archive flips the version to uploaded", async () => {
    const ws = await workspace("cv-ok");
    const { id, put } = await configurationVersion(ws);
    expect(put.status).toBe(200);
    const doc = await json<Doc<{ status: string; "upload-url": string | null }>>(
      await t.api(`/api/v2/configuration-versions/${id}`),
      200,
    );
    expect(doc.data.attributes.status).toBe("uploaded");
    expect(doc.data.attributes["upload-url"]).toBeNull();
  });

  test("an archive escaping its root is refused and nothing is kept", async () => {
    const ws = await workspace("cv-evil");
    const evil = await tarball({ "main.tf": "x" }, ["--transform", "s,^,../,"]);
    const { id, put } = await configurationVersion(ws, { archive: evil });
    expect(put.status).toBe(422);
    const body = await put.text();
    expect(body).toContain("main.tf");
    const doc = await json<Doc<{ status: string; "error-message": string }>>(
      await t.api(`/api/v2/configuration-versions/${id}`),
      200,
    );
    expect(doc.data.attributes.status).toBe("errored");
    expect((await t.api(`/api/v2/configuration-versions/${id}/download`)).status).toBe(404);
  });

  test("bytes that are not gzip are refused", async () => {
    const ws = await workspace("cv-junk");
    const { put } = await configurationVersion(ws, { archive: new Blob(["not an archive"]) });
    expect(put.status).toBe(422);
  });

  test("an upload URL replaces the archive until a run uses the version; a forged one is 404", async () => {
    const ws = await workspace("cv-reuse");
    const cv = await json<Doc<{ "upload-url": string }>>(
      await t.api(`/api/v2/workspaces/${ws}/configuration-versions`, {
        method: "POST",
        body: JSON.stringify({
          data: { type: "configuration-versions", attributes: { "auto-queue-runs": false } },
        }),
      }),
      201,
    );
    const url = cv.data.attributes["upload-url"];
    const first = await tarball({ "main.tf": "" });
    const second = await tarball({ "main.tf": 'output "v" { value = 2 }\n', "extra.tf": "" });
    expect((await fetch(url, { method: "PUT", body: first })).status).toBe(200);
    expect((await fetch(url, { method: "PUT", body: second })).status).toBe(200);
    const download = await t.api(`/api/v2/configuration-versions/${cv.data.id}/download`);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(Buffer.from(await second.arrayBuffer()));
    const run = await createRun(ws, cv.data.id);
    expect((await fetch(url, { method: "PUT", body: first })).status).toBe(409);
    expect((await fetch(`${url.slice(0, -4)}AAAA`, { method: "PUT", body: first })).status).toBe(404);
    await t.api(`/api/v2/runs/${run.data.id}/actions/cancel`, { method: "POST" });
  });

  test("auto-queue-runs (the default) queues a run when the archive lands", async () => {
    const ws = await workspace("cv-auto");
    const cv = await json<Doc<{ "upload-url": string }>>(
      await t.api(`/api/v2/workspaces/${ws}/configuration-versions`, { method: "POST", body: "" }),
      201,
    );
    await fetch(cv.data.attributes["upload-url"], { method: "PUT", body: await tarball({ "main.tf": "" }) });
    const runs = await json<{ data: { id: string; attributes: { status: string } }[] }>(
      await t.api(`/api/v2/workspaces/${ws}/runs`),
      200,
    );
    expect(runs.data).toHaveLength(1);
    expect(runs.data[0]?.attributes.status).toBe("plan_queued");
    await t.api(`/api/v2/runs/${runs.data[0]?.id}/actions/cancel`, { method: "POST" });
  });
});

describe("configuration version lifecycle", () => {
  type CvDoc = Doc<{ status: string; "upload-url": string | null }>;
  const read = async (id: string) => json<CvDoc>(await t.api(`/api/v2/configuration-versions/${id}`), 200);
  const currentOf = async (ws: string) => {
    const doc = await json<Doc>(await t.api(`/api/v2/workspaces/${ws}`), 200);
    return doc.data.relationships["current-configuration-version"]?.data?.id ?? null;
  };
  const act = (id: string, action: string) =>
    t.api(`/api/v2/configuration-versions/${id}/actions/${action}`, { method: "POST" });
  async function create(ws: string, attributes: Record<string, unknown> = {}) {
    return json<CvDoc>(
      await t.api(`/api/v2/workspaces/${ws}/configuration-versions`, {
        method: "POST",
        body: JSON.stringify({
          data: { type: "configuration-versions", attributes: { "auto-queue-runs": false, ...attributes } },
        }),
      }),
      201,
    );
  }

  test("only the create response carries the upload URL; speculative and provisional versions are not current", async () => {
    const ws = await workspace("cv-current");
    expect(await currentOf(ws)).toBeNull();
    const first = await create(ws);
    expect(first.data.attributes["upload-url"]).toStartWith("http");
    expect((await read(first.data.id)).data.attributes["upload-url"]).toBeNull();
    expect(await currentOf(ws)).toBe(first.data.id);
    await create(ws, { provisional: true });
    await create(ws, { speculative: true });
    expect(await currentOf(ws)).toBe(first.data.id);
  });

  test("archiving: never the current version nor one an unfinished run uses; then no download and no runs", async () => {
    const ws = await workspace("cv-archive");
    const { id: old } = await configurationVersion(ws);
    const current = await act(old, "archive");
    expect(current.status).toBe(409);
    const errors = ((await current.json()) as { errors: { title: string; detail: string }[] }).errors;
    expect(errors[0]?.title).toBe("transition not allowed");
    expect(errors[0]?.detail).toContain("because it is current");

    const run = await createRun(ws, old);
    await configurationVersion(ws);
    expect((await act(old, "archive")).status).toBe(409); // the run has not finished
    await t.api(`/api/v2/runs/${run.data.id}/actions/cancel`, { method: "POST" });
    expect((await act(old, "archive")).status).toBe(202);
    expect((await read(old)).data.attributes.status).toBe("archived");
    expect((await t.api(`/api/v2/configuration-versions/${old}/download`)).status).toBe(404);
    const refused = await t.api("/api/v2/runs", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "runs",
          relationships: {
            workspace: { data: { type: "workspaces", id: ws } },
            "configuration-version": { data: { type: "configuration-versions", id: old } },
          },
        },
      }),
    });
    expect(refused.status).toBe(422);
    expect((await act("cv-nonexistent", "archive")).status).toBe(404);
  });

  test("backing data: soft delete hides, restore brings back, permanent delete is final", async () => {
    const ws = await workspace("cv-backing");
    const { id: old } = await configurationVersion(ws);
    const { id: latest } = await configurationVersion(ws);
    expect((await act(latest, "soft_delete_backing_data")).status).toBe(409); // current
    expect((await act(old, "permanently_delete_backing_data")).status).toBe(409); // soft delete first
    expect((await act(old, "soft_delete_backing_data")).status).toBe(204);
    expect((await t.api(`/api/v2/configuration-versions/${old}/download`)).status).toBe(404);
    expect((await act(old, "restore_backing_data")).status).toBe(204);
    expect((await t.api(`/api/v2/configuration-versions/${old}/download`)).status).toBe(200);
    expect((await act(old, "soft_delete_backing_data")).status).toBe(204);
    expect((await act(old, "permanently_delete_backing_data")).status).toBe(204);
    const restore = await act(old, "restore_backing_data");
    expect(restore.status).toBe(409);
    expect(await restore.text()).toContain("transition not allowed");
    expect((await t.api(`/api/v2/configuration-versions/${old}/download`)).status).toBe(404);
  });
});

describe("the run queue", () => {
  test("speculative plans start at once and never lock the workspace", async () => {
    const ws = await workspace("spec");
    const { id: cv } = await configurationVersion(ws, { speculative: true });
    const run = await createRun(ws, cv);
    expect(run.data.attributes["plan-only"]).toBe(true);
    expect(await runStatus(run.data.id)).toBe("plan_queued");
    const wsDoc = await json<Doc<{ locked: boolean }>>(await t.api(`/api/v2/workspaces/${ws}`), 200);
    expect(wsDoc.data.attributes.locked).toBe(false);
    await t.api(`/api/v2/runs/${run.data.id}/actions/cancel`, { method: "POST" });
  });

  test("one run at a time per workspace, in order; a cancel lets the next one go", async () => {
    const ws = await workspace("serial");
    const { id: cv } = await configurationVersion(ws);
    const first = await createRun(ws, cv);
    const second = await createRun(ws, cv);
    expect(await runStatus(first.data.id)).toBe("plan_queued");
    expect(await runStatus(second.data.id)).toBe("pending");
    const locked = await json<Doc<{ locked: boolean }>>(await t.api(`/api/v2/workspaces/${ws}`), 200);
    expect(locked.data.attributes.locked).toBe(true);
    expect(locked.data.relationships["locked-by"]?.data?.id).toBe(first.data.id);
    // a user cannot take the lock a run holds
    expect((await t.api(`/api/v2/workspaces/${ws}/actions/lock`, { method: "POST" })).status).toBe(409);
    expect(
      (await t.api(`/api/v2/runs/${first.data.id}/actions/cancel`, { method: "POST", body: "{}" })).status,
    ).toBe(202);
    expect(await runStatus(first.data.id)).toBe("canceled");
    expect(await runStatus(second.data.id)).toBe("plan_queued");
    await t.api(`/api/v2/runs/${second.data.id}/actions/cancel`, { method: "POST" });
  });

  test("runs wait while a user holds the lock, and go when it is released", async () => {
    const ws = await workspace("user-lock");
    expect((await t.api(`/api/v2/workspaces/${ws}/actions/lock`, { method: "POST" })).status).toBe(200);
    const { id: cv } = await configurationVersion(ws);
    const run = await createRun(ws, cv);
    expect(await runStatus(run.data.id)).toBe("pending");
    expect((await t.api(`/api/v2/workspaces/${ws}/actions/unlock`, { method: "POST" })).status).toBe(200);
    await t.server.services.jobs.schedule(ws);
    expect(await runStatus(run.data.id)).toBe("plan_queued");
    await t.api(`/api/v2/runs/${run.data.id}/actions/cancel`, { method: "POST" });
  });

  test("apply on a run that is not confirmable is a 409", async () => {
    const ws = await workspace("not-confirmable");
    const { id: cv } = await configurationVersion(ws);
    const run = await createRun(ws, cv);
    const res = await t.api(`/api/v2/runs/${run.data.id}/actions/apply`, { method: "POST", body: "{}" });
    expect(res.status).toBe(409);
    await t.api(`/api/v2/runs/${run.data.id}/actions/cancel`, { method: "POST" });
  });

  test("runs on a local-execution workspace are refused", async () => {
    const ws = await workspace("local-only");
    await t.api(`/api/v2/workspaces/${ws}`, {
      method: "PATCH",
      body: JSON.stringify({ data: { type: "workspaces", attributes: { "execution-mode": "local" } } }),
    });
    const { id: cv } = await configurationVersion(ws);
    const res = await t.api("/api/v2/runs", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "runs",
          relationships: {
            workspace: { data: { type: "workspaces", id: ws } },
            "configuration-version": { data: { type: "configuration-versions", id: cv } },
          },
        },
      }),
    });
    expect(res.status).toBe(422);
  });
});

describe("an auto-applied CLI run", () => {
  test("its apply waits until the CLI has read the plan log to its end", async () => {
    const ws = await workspace("cli-auto-apply");
    const { id: cv } = await configurationVersion(ws);
    const created = await json<Doc<Record<string, unknown>>>(
      await t.api("/api/v2/runs", {
        method: "POST",
        headers: { "x-terraform-integration": "cloud" },
        body: JSON.stringify({
          data: {
            type: "runs",
            attributes: { "auto-apply": true },
            relationships: {
              workspace: { data: { type: "workspaces", id: ws } },
              "configuration-version": { data: { type: "configuration-versions", id: cv } },
            },
          },
        }),
      }),
      201,
    );
    expect(created.data.attributes.source).toBe("terraform+cloud");
    const plan = await claim();
    await plan.runner("/api/runner/v1/logs", {
      method: "POST",
      body: "Plan: 1 to add\n",
      headers: { "x-log-offset": "0" },
    });
    await plan.runner("/api/runner/v1/result", {
      method: "POST",
      body: JSON.stringify({ version: 1, status: "finished", hasChanges: true }),
    });
    expect(await runStatus(created.data.id)).toBe("apply_queued");
    // nobody read the log yet: the apply is held
    expect(await t.server.services.jobs.claim("test-runner")).toBeUndefined();
    const planDoc = await json<Doc<{ "log-read-url": string }>>(
      await t.api(`/api/v2/runs/${created.data.id}/plan`),
      200,
    );
    const url = planDoc.data.attributes["log-read-url"];
    const all = new Uint8Array(await (await fetch(`${url}?offset=0&limit=65536`)).arrayBuffer());
    expect(all.at(-1)).toBe(3);
    const apply = await claim();
    expect(apply.job.phase).toBe("apply");
    expect(String(apply.job.runId)).toBe(created.data.id);
    await apply.runner("/api/runner/v1/result", {
      method: "POST",
      body: JSON.stringify({ version: 1, status: "finished" }),
    });
  });
});

describe("a run through the runner protocol", () => {
  test("plan, logs, confirm, apply, state saved, workspace released", async () => {
    const ws = await workspace("full-run");
    const { id: cv } = await configurationVersion(ws);
    const run = await createRun(ws, cv, { message: "full run" });
    const runId = run.data.id;

    const plan = await claim();
    expect(plan.job.phase).toBe("plan");
    const spec = (await (await plan.runner("/api/runner/v1/job")).json()) as {
      runId: string;
      engine: string;
      engineVersion: string;
    };
    expect(spec.runId).toBe(runId);
    expect(spec.engineVersion).toBe("1.5.7");
    const archive = await plan.runner("/api/runner/v1/configuration");
    expect(archive.status).toBe(200);
    expect((await plan.runner("/api/runner/v1/state")).status).toBe(204);
    const log = new TextEncoder().encode(
      "Terraform v1.5.7\non linux_amd64\nInitializing plugins and modules...\nPlan: 1 to add\n",
    );
    expect(
      (
        await plan.runner("/api/runner/v1/logs", {
          method: "POST",
          body: log,
          headers: { "x-log-offset": "0" },
        })
      ).status,
    ).toBe(200);
    // a retried chunk is not appended twice
    expect(
      (
        await plan.runner("/api/runner/v1/logs", {
          method: "POST",
          body: log,
          headers: { "x-log-offset": "0" },
        })
      ).status,
    ).toBe(200);
    const planDoc = await json<Doc<{ status: string; "log-read-url": string }>>(
      await t.api(`/api/v2/runs/${runId}/plan`),
      200,
    );
    expect(planDoc.data.attributes.status).toBe("running");
    const live = new Uint8Array(
      await (await fetch(`${planDoc.data.attributes["log-read-url"]}?offset=0&limit=65536`)).arrayBuffer(),
    );
    expect(live[0]).toBe(2);
    expect(new TextDecoder().decode(live.subarray(1))).toBe(new TextDecoder().decode(log));
    expect(
      (await plan.runner("/api/runner/v1/artifacts/plan-file", { method: "PUT", body: "PLANFILE" })).status,
    ).toBe(204);
    const finish = await plan.runner("/api/runner/v1/result", {
      method: "POST",
      body: JSON.stringify({
        version: 1,
        status: "finished",
        hasChanges: true,
        counts: { additions: 1, changes: 0, destructions: 0, imports: 0 },
      }),
    });
    expect(finish.status).toBe(204);
    const planned = await json<
      Doc<{ status: string; "has-changes": boolean; actions: Record<string, boolean> }>
    >(await t.api(`/api/v2/runs/${runId}`), 200);
    expect(planned.data.attributes.status).toBe("planned");
    expect(planned.data.attributes["has-changes"]).toBe(true);
    expect(planned.data.attributes.actions["is-confirmable"]).toBe(true);
    const finished = new Uint8Array(
      await (await fetch(`${planDoc.data.attributes["log-read-url"]}?offset=0&limit=65536`)).arrayBuffer(),
    );
    expect(finished.at(-1)).toBe(3);
    const planCounts = await json<Doc<Record<string, number>>>(
      await t.api(`/api/v2/runs/${runId}/plan`),
      200,
    );
    expect(planCounts.data.attributes["resource-additions"]).toBe(1);

    expect(
      (await t.api(`/api/v2/runs/${runId}/actions/apply`, { method: "POST", body: '{"comment":"ship it"}' }))
        .status,
    ).toBe(202);
    expect(await runStatus(runId)).toBe("apply_queued");

    const apply = await claim();
    expect(apply.job.phase).toBe("apply");
    // the plan's token died with the plan
    expect((await plan.runner("/api/runner/v1/job")).status).toBe(401);
    expect(await (await apply.runner("/api/runner/v1/artifacts/plan-file")).text()).toBe("PLANFILE");
    const state = JSON.stringify({
      version: 4,
      terraform_version: "1.5.7",
      serial: 1,
      lineage: "L1",
      outputs: { o: { value: "v", type: "string" } },
      resources: [],
    });
    const saved = await apply.runner("/api/runner/v1/state", { method: "PUT", body: state });
    expect(saved.status).toBe(200);
    const finishApply = await apply.runner("/api/runner/v1/result", {
      method: "POST",
      body: JSON.stringify({
        version: 1,
        status: "finished",
        counts: { additions: 1, changes: 0, destructions: 0, imports: 0 },
      }),
    });
    expect(finishApply.status).toBe(204);
    expect(await runStatus(runId)).toBe("applied");
    const after = await json<Doc<{ locked: boolean }>>(await t.api(`/api/v2/workspaces/${ws}`), 200);
    expect(after.data.attributes.locked).toBe(false);
    const sv = await json<Doc<{ serial: number }>>(
      await t.api(`/api/v2/workspaces/${ws}/current-state-version`),
      200,
    );
    expect(sv.data.attributes.serial).toBe(1);
    expect(sv.data.relationships.run?.data?.id).toBe(runId);
    const outputs = await json<{ data: { attributes: { name: string; value: unknown } }[] }>(
      await t.api(`/api/v2/workspaces/${ws}/current-state-version-outputs`),
      200,
    );
    expect(outputs.data.map((o) => [o.attributes.name, o.attributes.value])).toEqual([["o", "v"]]);

    const events = await json<{ data: { attributes: { action: string } }[] }>(
      await t.api(`/api/v2/runs/${runId}/run-events`),
      200,
    );
    expect(events.data.map((e) => e.attributes.action)).toEqual([
      "plan_queued",
      "planning",
      "planned",
      "apply_queued",
      "commented", // the apply's comment ("ship it") is kept as a run comment
      "applying",
      "applied",
    ]);
    const list = await json<{ data: { id: string }[] }>(await t.api(`/api/v2/workspaces/${ws}/runs`), 200);
    expect(list.data.map((r) => r.id)).toEqual([runId]);
  });

  test("cancel during a plan asks the runner to stop; the run ends canceled when it reports", async () => {
    const ws = await workspace("cancel-running");
    const { id: cv } = await configurationVersion(ws);
    const run = await createRun(ws, cv);
    const { runner } = await claim();
    expect(await runStatus(run.data.id)).toBe("planning");
    await t.api(`/api/v2/runs/${run.data.id}/actions/cancel`, { method: "POST" });
    const beat = (await (
      await runner("/api/runner/v1/heartbeat", { method: "POST", body: '{"version":1}' })
    ).json()) as { cancel: boolean };
    expect(beat.cancel).toBe(true);
    const doc = await json<
      Doc<{
        actions: Record<string, boolean>;
        permissions: Record<string, boolean>;
        "force-cancel-available-at": string;
      }>
    >(await t.api(`/api/v2/runs/${run.data.id}`), 200);
    // Force-cancel opens after a cool-off; the admin may use it then.
    expect(doc.data.attributes.actions["is-force-cancelable"]).toBe(false);
    expect(doc.data.attributes.permissions["can-force-cancel"]).toBe(true);
    expect(Date.parse(doc.data.attributes["force-cancel-available-at"])).toBeGreaterThan(Date.now());
    await runner("/api/runner/v1/result", {
      method: "POST",
      body: JSON.stringify({ version: 1, status: "canceled" }),
    });
    expect(await runStatus(run.data.id)).toBe("canceled");
  });

  test("force-cancel ends a running phase at once and the stale runner is told to stop", async () => {
    const ws = await workspace("force-cancel");
    const { id: cv } = await configurationVersion(ws);
    const run = await createRun(ws, cv);
    const { runner } = await claim();
    expect((await t.api(`/api/v2/runs/${run.data.id}/actions/force-cancel`, { method: "POST" })).status).toBe(
      409,
    );
    await t.api(`/api/v2/runs/${run.data.id}/actions/cancel`, { method: "POST" });
    // Not during the cool-off that gives the runner time to stop gracefully…
    expect((await t.api(`/api/v2/runs/${run.data.id}/actions/force-cancel`, { method: "POST" })).status).toBe(
      409,
    );
    const canceling = await json<Doc<{ "force-cancel-available-at": string }>>(
      await t.api(`/api/v2/runs/${run.data.id}`),
      200,
    );
    await Bun.sleep(
      Math.max(0, Date.parse(canceling.data.attributes["force-cancel-available-at"]) - Date.now()) + 50,
    );
    const open = await json<Doc<{ actions: Record<string, boolean> }>>(
      await t.api(`/api/v2/runs/${run.data.id}`),
      200,
    );
    expect(open.data.attributes.actions["is-force-cancelable"]).toBe(true);
    // …then at once.
    expect((await t.api(`/api/v2/runs/${run.data.id}/actions/force-cancel`, { method: "POST" })).status).toBe(
      202,
    );
    expect(await runStatus(run.data.id)).toBe("canceled");
    // the stale runner's token died with the phase: its heartbeat is refused, which stops it
    const beat = await runner("/api/runner/v1/heartbeat", { method: "POST", body: '{"version":1}' });
    expect(beat.status).toBe(401);
    const locked = await json<Doc<{ locked: boolean }>>(await t.api(`/api/v2/workspaces/${ws}`), 200);
    expect(locked.data.attributes.locked).toBe(false);
  });

  test("a lost plan runner is requeued; a lost apply errors and its runner's late state is refused", async () => {
    const ws = await workspace("lost-runner");
    const { id: cv } = await configurationVersion(ws);
    const run = await createRun(ws, cv, { "auto-apply": true });
    const plan = await claim();
    await t.server.services.jobs.reap({
      job: { runId: plan.job.runId, attempt: plan.job.attempt },
    });
    expect(await runStatus(run.data.id)).toBe("plan_queued");
    const plan2 = await claim();
    expect(plan2.job.attempt).toBe(2);
    await plan2.runner("/api/runner/v1/result", {
      method: "POST",
      body: JSON.stringify({ version: 1, status: "finished", hasChanges: true }),
    });
    expect(await runStatus(run.data.id)).toBe("apply_queued");
    const apply = await claim();
    const state = JSON.stringify({ version: 4, serial: 1, lineage: "L2", outputs: {}, resources: [] });
    await t.server.services.jobs.reap({
      job: { runId: apply.job.runId, attempt: apply.job.attempt },
    });
    expect(await runStatus(run.data.id)).toBe("errored");
    // the apply ended and let go of the workspace: its runner's token died with it, nothing is stored
    expect((await apply.runner("/api/runner/v1/state", { method: "PUT", body: state })).status).toBe(401);
    expect((await t.api(`/api/v2/workspaces/${ws}/current-state-version`)).status).toBe(404);
  });

  test("a run that ends lets go of the workspace in the same step: never ended and still locking", async () => {
    const ws = await workspace("release-with-end");
    const { id: cv } = await configurationVersion(ws);
    const run = await createRun(ws, cv);
    const { runner } = await claim();
    // A large log: storing it when the phase ends takes a while, during which the run is watched.
    const chunk = new Uint8Array(4 * 1024 * 1024).fill(0x2e);
    for (let offset = 0; offset < 4 * chunk.byteLength; offset += chunk.byteLength) {
      const res = await runner("/api/runner/v1/logs", {
        method: "POST",
        body: chunk,
        headers: { "x-log-offset": String(offset) },
      });
      expect(res.status).toBe(200);
    }
    let finished = false;
    const finish = runner("/api/runner/v1/result", {
      method: "POST",
      body: JSON.stringify({ version: 1, status: "errored", errorMessage: "boom" }),
    }).finally(() => {
      finished = true;
    });
    // Whenever the run is seen ended, a later read of the workspace must find it unlocked.
    const seen: { status: string; locked: boolean }[] = [];
    while (!finished) {
      const status = await runStatus(run.data.id);
      if (status === "errored") {
        const doc = await json<Doc<{ locked: boolean }>>(await t.api(`/api/v2/workspaces/${ws}`), 200);
        seen.push({ status, locked: doc.data.attributes.locked });
      }
    }
    expect((await finish).status).toBe(204);
    expect(seen.filter((s) => s.locked)).toEqual([]);
    expect(await runStatus(run.data.id)).toBe("errored");
  });
});

describe("organization queue and capacity", () => {
  test("shapes the CLI reads", async () => {
    const ws = await workspace("queue-shape");
    const { id: cv } = await configurationVersion(ws);
    const run = await createRun(ws, cv);
    const queue = await json<{ data: { id: string; attributes: { "position-in-queue": number } }[] }>(
      await t.api("/api/v2/organizations/default/runs/queue"),
      200,
    );
    expect(queue.data.some((r) => r.id === run.data.id)).toBe(true);
    const capacity = await json<Doc<{ pending: number; running: number }>>(
      await t.api("/api/v2/organizations/default/capacity"),
      200,
    );
    expect(capacity.data.type).toBe("organization-capacity");
    expect(capacity.data.attributes.pending).toBeGreaterThanOrEqual(1);
    await t.api(`/api/v2/runs/${run.data.id}/actions/cancel`, { method: "POST" });
  });
});

describe("the run document and run lists", () => {
  type RunAttrs = {
    status: string;
    source: string;
    "plan-only": boolean;
    "terraform-version": string;
    "error-message": string | null;
    "policy-paths": string[];
    "invoke-action-addrs": string[];
    "status-timestamps": Record<string, string>;
    "force-cancel-available-at": string | null;
    permissions: Record<string, boolean>;
    actions: Record<string, boolean>;
  };
  type RunDoc = {
    data: {
      id: string;
      attributes: RunAttrs;
      relationships: Record<string, { data: { id: string; type: string } | { id: string }[] | null }>;
    };
    included?: { id: string; type: string; attributes: Record<string, unknown> }[];
  };
  const cancel = (id: string) => t.api(`/api/v2/runs/${id}/actions/cancel`, { method: "POST" });

  test("creation records who, when it could queue, the run events, policy paths and action invocations", async () => {
    const ws = await workspace("doc-create");
    const { id: cv } = await configurationVersion(ws);
    const created = (await createRun(ws, cv, {
      "policy-paths": ["./policies"],
      "invoke-action-addrs": ["action.local_command.hello"],
    })) as unknown as RunDoc;
    const a = created.data.attributes;
    expect(a["status-timestamps"]["plan-queueable-at"]).toBeString();
    expect(a["policy-paths"]).toEqual(["./policies"]);
    expect(a["invoke-action-addrs"]).toEqual(["action.local_command.hello"]);
    // Who may act is permissions; whether the run allows it now is actions.
    expect(a.permissions["can-force-cancel"]).toBe(true);
    expect(a.actions["is-force-cancelable"]).toBe(false);
    const events = created.data.relationships["run-events"]?.data as { id: string }[];
    expect(events.length).toBeGreaterThan(0);

    const read = await json<RunDoc>(await t.api(`/api/v2/runs/${created.data.id}?include=created_by`), 200);
    const createdBy = read.data.relationships["created-by"]?.data as { id: string; type: string };
    expect(createdBy.type).toBe("users");
    const user = read.included?.find((r) => r.type === "users" && r.id === createdBy.id);
    expect(user?.attributes.username).toBe("admin");
    expect(read.data.relationships["confirmed-by"]?.data).toBeNull();

    const event = await json<{ data: { id: string; type: string; attributes: { action: string } } }>(
      await t.api(`/api/v2/run-events/${events[0]?.id}`),
      200,
    );
    expect(event.data.type).toBe("run-events");
    expect(event.data.attributes.action).toBe("plan_queued");
    expect((await t.api("/api/v2/run-events/re-nonexistent")).status).toBe(404);

    // The runner is told which actions to invoke.
    const { runner } = await claim();
    const spec = (await (await runner("/api/runner/v1/job")).json()) as {
      operation: { invokeActionAddrs?: string[] };
    };
    expect(spec.operation.invokeActionAddrs).toEqual(["action.local_command.hello"]);
    await cancel(created.data.id);
    await runner("/api/runner/v1/result", {
      method: "POST",
      body: JSON.stringify({ version: 1, status: "canceled" }),
    });
  });

  test("terraform-version is for plan-only runs; a version this server lacks errors the run with the reason", async () => {
    const ws = await workspace("doc-version");
    const { id: cv } = await configurationVersion(ws);
    const refused = await t.api("/api/v2/runs", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "runs",
          attributes: { "terraform-version": "1.5.7" },
          relationships: {
            workspace: { data: { type: "workspaces", id: ws } },
            "configuration-version": { data: { type: "configuration-versions", id: cv } },
          },
        },
      }),
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("plan-only");

    const missing = (await createRun(ws, cv, {
      "plan-only": true,
      "terraform-version": "1.0.0",
    })) as unknown as RunDoc;
    expect(missing.data.attributes["plan-only"]).toBe(true);
    expect(missing.data.attributes["terraform-version"]).toBe("1.0.0");
    expect(missing.data.attributes.status).toBe("errored");
    expect(missing.data.attributes["error-message"]).toContain("1.0.0");

    const bogus = await t.api("/api/v2/runs", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "runs",
          attributes: { "plan-only": true, "terraform-version": "not-a-version" },
          relationships: { workspace: { data: { type: "workspaces", id: ws } } },
        },
      }),
    });
    expect(bogus.status).toBe(422);

    const available = (await createRun(ws, cv, {
      "plan-only": true,
      "terraform-version": "1.5.7",
    })) as unknown as RunDoc;
    expect(available.data.attributes.status).toBe("plan_queued");
    await cancel(available.data.id);
  });

  test("a canceled run reports when force-cancel would open", async () => {
    const ws = await workspace("doc-cancel");
    const { id: cv } = await configurationVersion(ws);
    const first = await createRun(ws, cv);
    const second = await createRun(ws, cv);
    expect((await cancel(second.data.id)).status).toBe(202);
    const doc = await json<RunDoc>(await t.api(`/api/v2/runs/${second.data.id}`), 200);
    expect(doc.data.attributes.status).toBe("canceled");
    expect(Date.parse(doc.data.attributes["force-cancel-available-at"] ?? "")).toBeGreaterThan(Date.now());
    expect(doc.data.attributes.actions["is-force-cancelable"]).toBe(false);
    await cancel(first.data.id);
  });

  test("workspace and organization lists filter by status, source, operation and search, and include", async () => {
    const ws = await workspace("doc-list");
    const other = await workspace("doc-list-other");
    const { id: cv } = await configurationVersion(ws);
    const { id: otherCv } = await configurationVersion(other);
    const saved = await createRun(ws, cv, { "save-plan": true, message: "Saved for later" });
    const plain = await createRun(ws, cv, { message: "plain" });
    const elsewhere = await createRun(other, otherCv);
    const ids = async (path: string) =>
      (await json<{ data: { id: string }[] }>(await t.api(path), 200)).data.map((r) => r.id);

    expect(await ids(`/api/v2/workspaces/${ws}/runs?filter[operation]=save_plan`)).toEqual([saved.data.id]);
    expect(await ids(`/api/v2/workspaces/${ws}/runs?filter[source]=tfe-api`)).toEqual([
      plain.data.id,
      saved.data.id,
    ]);
    expect(await ids(`/api/v2/workspaces/${ws}/runs?filter[source]=tfe-ui`)).toEqual([]);
    expect(await ids(`/api/v2/workspaces/${ws}/runs?search[basic]=saved%20FOR`)).toEqual([saved.data.id]);
    expect(await ids(`/api/v2/workspaces/${ws}/runs?search[basic]=${plain.data.id}`)).toEqual([
      plain.data.id,
    ]);
    // Runs here never come from VCS: a search by VCS user or commit matches nothing.
    expect(await ids(`/api/v2/workspaces/${ws}/runs?search[user]=someone`)).toEqual([]);
    expect((await t.api(`/api/v2/workspaces/${ws}/runs?filter[operation]=bogus`)).status).toBe(422);

    const listed = await json<RunDoc & { data: RunDoc["data"][] }>(
      await t.api(`/api/v2/workspaces/${ws}/runs?include=workspace`),
      200,
    );
    expect(listed.included?.find((r) => r.type === "workspaces")?.attributes.name).toBe("doc-list");

    const org = "/api/v2/organizations/default/runs";
    expect(await ids(`${org}?filter[workspace_names]=doc-list`)).toEqual([plain.data.id, saved.data.id]);
    expect(await ids(`${org}?filter[workspace_names]=doc-list,doc-list-other`)).toEqual([
      elsewhere.data.id,
      plain.data.id,
      saved.data.id,
    ]);
    expect(await ids(`${org}?filter[workspace_names]=doc-list&filter[agent_pool_names]=pool`)).toEqual([]);
    expect((await t.api(`${org}?filter[status_group]=final`)).status).toBe(422);
    const page = await json<{ data: unknown[]; meta: { pagination: { "current-page": number } } }>(
      await t.api(`${org}?page[number]=999`),
      200,
    );
    expect(page.data).toEqual([]);
    expect(page.meta.pagination["current-page"]).toBe(999);

    for (const id of [saved.data.id, plain.data.id, elsewhere.data.id]) await cancel(id);
  });

  test("workspaces sort by their current run's creation and filter by its status", async () => {
    const [a, b] = [await workspace("sortcr-a"), await workspace("sortcr-b")];
    await workspace("sortcr-c");
    const runB = await createRun(b, (await configurationVersion(b)).id);
    const runA = await createRun(a, (await configurationVersion(a)).id);
    const names = async (query: string) =>
      (
        await json<{ data: { attributes: { name: string } }[] }>(
          await t.api(`/api/v2/organizations/default/workspaces?search[name]=sortcr&${query}`),
          200,
        )
      ).data.map((w) => w.attributes.name);
    expect(await names("sort=current-run.created-at")).toEqual(["sortcr-b", "sortcr-a", "sortcr-c"]);
    expect(await names("sort=-current-run.created-at")).toEqual(["sortcr-a", "sortcr-b", "sortcr-c"]);
    expect(await names("sort=-name")).toEqual(["sortcr-c", "sortcr-b", "sortcr-a"]);
    expect((await t.api("/api/v2/organizations/default/workspaces?sort=size")).status).toBe(422);
    await cancel(runA.data.id);
    expect(await names("filter[current-run][status]=canceled")).toEqual(["sortcr-a"]);
    expect(await names("filter[current-run][status]=plan_queued,applied")).toEqual(["sortcr-b"]);
    const withRun = await json<{ included?: { id: string; type: string }[] }>(
      await t.api("/api/v2/organizations/default/workspaces?search[name]=sortcr-b&include=current_run"),
      200,
    );
    expect(withRun.included?.map((r) => [r.type, r.id])).toEqual([["runs", runB.data.id]]);
    await cancel(runB.data.id);
  });
});
