import { expect } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Doc, expectJson } from "./test-http.ts";
import type { TestServer } from "./test-server.ts";

/**
 * A run through the TFE API as a CLI would make one: a new workspace, a configuration uploaded with its
 * `main.tf`, and a run on it. Returns the ids; the run is pending or queued when this resolves.
 */
export async function createRunWith(
  t: TestServer,
  mainTf: string,
  workspaceAttributes: Record<string, unknown> = {},
): Promise<{ runId: string; workspaceId: string }> {
  const ws = await expectJson<Doc>(
    await t.api("/api/v2/organizations/default/workspaces", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "workspaces",
          attributes: { name: `run-${crypto.randomUUID().slice(0, 8)}`, ...workspaceAttributes },
        },
      }),
    }),
    201,
  );
  const cv = await expectJson<Doc>(
    await t.api(`/api/v2/workspaces/${ws.data.id}/configuration-versions`, {
      method: "POST",
      body: JSON.stringify({
        data: { type: "configuration-versions", attributes: { "auto-queue-runs": false } },
      }),
    }),
    201,
  );
  const dir = await mkdtemp(join(tmpdir(), "tp-run-"));
  try {
    await writeFile(join(dir, "main.tf"), mainTf);
    expect(await Bun.spawn(["tar", "-czf", `${dir}.tgz`, "-C", dir, "main.tf"]).exited).toBe(0);
    const put = await fetch(String(cv.data.attributes["upload-url"]), {
      method: "PUT",
      body: await Bun.file(`${dir}.tgz`).arrayBuffer(),
    });
    expect(put.status).toBe(200);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.tgz`, { force: true });
  }
  const run = await expectJson<Doc>(
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
    201,
  );
  return { runId: run.data.id, workspaceId: ws.data.id };
}

/** The run's status now. */
export async function runStatusOf(t: TestServer, runId: string): Promise<string> {
  return String((await expectJson<Doc>(await t.api(`/api/v2/runs/${runId}`))).data.attributes.status);
}
