import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { expectJson as json } from "./testing/test-http.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { TERRAPOD_MAX_BODY_BYTES: String(2 * 1024 * 1024) } });
});
afterAll(async () => {
  await t?.stop();
});

type Doc<T = Record<string, unknown>> = {
  data: { id: string; attributes: T; relationships: Record<string, { data: unknown }> };
};

function stateFile(serial: number, lineage: string, outputs: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: 4, terraform_version: "1.5.7", serial, lineage, outputs, resources: [] });
}
const md5 = (s: string) => createHash("md5").update(s).digest("hex");

async function lockedWorkspace(name: string): Promise<string> {
  const ws = await json<Doc>(
    await t.api("/api/v2/organizations/default/workspaces", {
      method: "POST",
      body: JSON.stringify({ data: { type: "workspaces", attributes: { name, "execution-mode": "local" } } }),
    }),
    201,
  );
  await json(await t.api(`/api/v2/workspaces/${ws.data.id}/actions/lock`, { method: "POST" }), 200);
  return ws.data.id;
}

function create(ws: string, attributes: Record<string, unknown>) {
  return t.api(`/api/v2/workspaces/${ws}/state-versions`, {
    method: "POST",
    body: JSON.stringify({ data: { type: "state-versions", attributes } }),
  });
}

/** The CLI's two-step flow: create, then PUT the raw bytes to the upload URL (no Authorization). */
async function push(ws: string, content: string, attrs: Record<string, unknown> = {}) {
  const parsed = JSON.parse(content) as { serial: number; lineage: string };
  const sv = await json<Doc<{ "hosted-state-upload-url": string }>>(
    await create(ws, { serial: parsed.serial, lineage: parsed.lineage, md5: md5(content), ...attrs }),
    201,
  );
  const put = await fetch(sv.data.attributes["hosted-state-upload-url"], { method: "PUT", body: content });
  return { sv, put };
}

async function current(ws: string) {
  const doc = await json<Doc<{ serial: number; "hosted-state-download-url": string }>>(
    await t.api(`/api/v2/workspaces/${ws}/current-state-version`),
    200,
  );
  const body = await (await fetch(doc.data.attributes["hosted-state-download-url"])).text();
  return { id: doc.data.id, serial: doc.data.attributes.serial, body };
}

describe("state versions", () => {
  test("two-step upload, current version, download through a capability URL", async () => {
    const ws = await lockedWorkspace("sv-basic");
    expect((await t.api(`/api/v2/workspaces/${ws}/current-state-version`)).status).toBe(404);
    const v1 = stateFile(1, "L", {
      name: { value: "x", type: "string" },
      secret: { value: "s3cr3t", type: "string", sensitive: true },
    });
    const { put } = await push(ws, v1);
    expect(put.status).toBe(200);
    const cur = await current(ws);
    expect(cur.serial).toBe(1);
    expect(cur.body).toBe(v1);
    const outputs = await json<{
      data: { id: string; attributes: { name: string; value: unknown; sensitive: boolean } }[];
    }>(await t.api(`/api/v2/workspaces/${ws}/current-state-version-outputs`), 200);
    const secret = outputs.data.find((o) => o.attributes.name === "secret");
    expect(secret?.attributes.sensitive).toBe(true);
    expect(secret?.attributes.value).toBeNull();
    const one = await json<Doc<{ value: unknown }>>(
      await t.api(`/api/v2/state-version-outputs/${secret?.id}`),
      200,
    );
    expect(one.data.attributes.value).toBe("s3cr3t");
  });

  test("creating a state version requires holding the workspace lock", async () => {
    const ws = await lockedWorkspace("sv-nolock");
    await t.api(`/api/v2/workspaces/${ws}/actions/unlock`, { method: "POST" });
    const res = await create(ws, { serial: 1, lineage: "L", md5: md5("x") });
    expect(res.status).toBe(409);
  });

  test("an MD5 mismatch, a serial going backwards, a foreign lineage and non-JSON are refused; the current state stays", async () => {
    const ws = await lockedWorkspace("sv-refusals");
    await push(ws, stateFile(5, "L"));
    const before = await current(ws);

    const bad = await json<Doc<{ "hosted-state-upload-url": string }>>(
      await create(ws, { serial: 6, lineage: "L", md5: md5("something else") }),
      201,
    );
    const mismatch = await fetch(bad.data.attributes["hosted-state-upload-url"], {
      method: "PUT",
      body: stateFile(6, "L"),
    });
    expect(mismatch.status).toBe(422);
    expect(await mismatch.text()).toContain("MD5");

    expect((await create(ws, { serial: 4, lineage: "L", md5: md5("x") })).status).toBe(409);
    expect((await create(ws, { serial: 7, lineage: "OTHER", md5: md5("x") })).status).toBe(409);

    const junk = "this is not a state file";
    const notJson = await json<Doc<{ "hosted-state-upload-url": string }>>(
      await create(ws, { serial: 8, lineage: "L", md5: md5(junk) }),
      201,
    );
    expect(
      (await fetch(notJson.data.attributes["hosted-state-upload-url"], { method: "PUT", body: junk })).status,
    ).toBe(422);

    expect(await current(ws)).toEqual(before);
  });

  test("an oversized state is refused with a JSON:API 413 and stores nothing", async () => {
    const ws = await lockedWorkspace("sv-big");
    const big = stateFile(1, "L", { o: { value: "x".repeat(2.5 * 1024 * 1024), type: "string" } });
    const { put } = await push(ws, big);
    expect(put.status).toBe(413);
    expect(((await put.json()) as { errors: { status: string }[] }).errors[0]?.status).toBe("413");
    expect((await t.api(`/api/v2/workspaces/${ws}/current-state-version`)).status).toBe(404);
  });

  test("two concurrent uploads for one workspace cannot both become current", async () => {
    const ws = await lockedWorkspace("sv-race");
    const a = stateFile(2, "L", { who: { value: "a", type: "string" } });
    const b = stateFile(2, "L", { who: { value: "b", type: "string" } });
    const svA = await json<Doc<{ "hosted-state-upload-url": string }>>(
      await create(ws, { serial: 2, lineage: "L", md5: md5(a) }),
      201,
    );
    const svB = await json<Doc<{ "hosted-state-upload-url": string }>>(
      await create(ws, { serial: 2, lineage: "L", md5: md5(b) }),
      201,
    );
    const [ra, rb] = await Promise.all([
      fetch(svA.data.attributes["hosted-state-upload-url"], { method: "PUT", body: a }),
      fetch(svB.data.attributes["hosted-state-upload-url"], { method: "PUT", body: b }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const cur = await current(ws);
    expect(cur.body).toBe(ra.status === 200 ? a : b);
  });

  test("the current state can be uploaded again (same serial, same MD5); other content at that serial cannot", async () => {
    const ws = await lockedWorkspace("sv-reupload");
    const content = stateFile(3, "L", { v: { value: "one", type: "string" } });
    const { sv: first } = await push(ws, content);
    const again = await push(ws, content);
    expect(again.put.status).toBe(200);
    const cur = await current(ws);
    expect(cur.id).toBe(again.sv.data.id);
    expect(cur.id).not.toBe(first.data.id);
    expect(cur.body).toBe(content);
    // The inline (legacy) path follows the same rule.
    const inline = await create(ws, {
      serial: 3,
      lineage: "L",
      md5: md5(content),
      state: Buffer.from(content).toString("base64"),
    });
    expect(inline.status).toBe(201);

    const other = stateFile(3, "L", { v: { value: "two", type: "string" } });
    expect((await create(ws, { serial: 3, lineage: "L", md5: md5(other) })).status).toBe(409);
    expect((await create(ws, { serial: 3, lineage: "OTHER", md5: md5(content) })).status).toBe(409);
    expect((await create(ws, { serial: 2, lineage: "L", md5: md5(content) })).status).toBe(409);
    expect((await current(ws)).body).toBe(content);
  });

  test("unlocking waits for a pending upload of the lock holder", async () => {
    const ws = await lockedWorkspace("sv-pending");
    const content = stateFile(1, "L");
    const sv = await json<Doc<{ "hosted-state-upload-url": string }>>(
      await create(ws, { serial: 1, lineage: "L", md5: md5(content) }),
      201,
    );
    const refused = await t.api(`/api/v2/workspaces/${ws}/actions/unlock`, { method: "POST" });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("latest state version is still pending");
    await fetch(sv.data.attributes["hosted-state-upload-url"], { method: "PUT", body: content });
    expect((await t.api(`/api/v2/workspaces/${ws}/actions/unlock`, { method: "POST" })).status).toBe(200);
  });

  test("the legacy one-step upload (base64 `state`) works", async () => {
    const ws = await lockedWorkspace("sv-legacy");
    const content = stateFile(3, "L");
    const res = await create(ws, {
      serial: 3,
      lineage: "L",
      md5: md5(content),
      state: Buffer.from(content).toString("base64"),
    });
    expect(res.status).toBe(201);
    expect((await current(ws)).body).toBe(content);
  });

  test("rollback copies an earlier version forward with the next serial, in the record and in the file", async () => {
    const ws = await lockedWorkspace("sv-rollback");
    const { sv: first } = await push(ws, stateFile(1, "L", { v: { value: "one", type: "string" } }));
    await push(ws, stateFile(2, "L", { v: { value: "two", type: "string" } }));
    const rolled = await json<Doc<{ serial: number }>>(
      await t.api(`/api/v2/workspaces/${ws}/state-versions`, {
        method: "PATCH",
        body: JSON.stringify({
          data: {
            type: "state-versions",
            relationships: {
              "rolling-back-state-version": { data: { type: "state-versions", id: first.data.id } },
            },
          },
        }),
      }),
      200,
    );
    expect(rolled.data.attributes.serial).toBe(3);
    const cur = await current(ws);
    const file = JSON.parse(cur.body) as { serial: number; outputs: { v: { value: string } } };
    expect(file.serial).toBe(3);
    expect(file.outputs.v.value).toBe("one");
    // the CLI's next write (serial 4) continues cleanly
    expect((await push(ws, stateFile(4, "L"))).put.status).toBe(200);
  });

  test("state versions are listed newest first, and a download URL cannot upload", async () => {
    const ws = await lockedWorkspace("sv-list");
    await push(ws, stateFile(1, "L"));
    await push(ws, stateFile(2, "L"));
    const list = await json<{ data: { attributes: { serial: number } }[] }>(
      await t.api(
        "/api/v2/state-versions?filter[organization][name]=default&filter[workspace][name]=sv-list",
      ),
      200,
    );
    expect(list.data.map((d) => d.attributes.serial)).toEqual([2, 1]);
    const cur = await json<Doc<{ "hosted-state-download-url": string }>>(
      await t.api(`/api/v2/workspaces/${ws}/current-state-version`),
      200,
    );
    const wrongPurpose = cur.data.attributes["hosted-state-download-url"].replace(
      "/state-download/",
      "/state-upload/",
    );
    expect((await fetch(wrongPurpose, { method: "PUT", body: stateFile(3, "L") })).status).toBe(404);
  });
});

describe("backing data of state versions", () => {
  const act = (id: string, action: string) =>
    t.api(`/api/v2/state-versions/${id}/actions/${action}`, { method: "POST" });

  test("soft delete hides a past state, restore brings it back, permanent delete is final; the current one is kept", async () => {
    const ws = await lockedWorkspace("sv-backing");
    const { sv: old } = await push(ws, stateFile(1, "L"));
    const { sv: latest } = await push(ws, stateFile(2, "L"));
    const oldDoc = await json<Doc<{ "hosted-state-download-url": string }>>(
      await t.api(`/api/v2/state-versions/${old.data.id}`),
      200,
    );
    const url = oldDoc.data.attributes["hosted-state-download-url"];

    expect((await act(latest.data.id, "soft_delete_backing_data")).status).toBe(409);
    expect((await act(old.data.id, "restore_backing_data")).status).toBe(409);
    expect((await act(old.data.id, "soft_delete_backing_data")).status).toBe(204);
    expect((await fetch(url)).status).toBe(404);
    const hidden = await json<Doc<{ "hosted-state-download-url": string | null }>>(
      await t.api(`/api/v2/state-versions/${old.data.id}`),
      200,
    );
    expect(hidden.data.attributes["hosted-state-download-url"]).toBeNull();
    expect((await act(old.data.id, "restore_backing_data")).status).toBe(204);
    expect(await (await fetch(url)).text()).toBe(stateFile(1, "L"));

    expect((await act(old.data.id, "permanently_delete_backing_data")).status).toBe(409);
    expect((await act(old.data.id, "soft_delete_backing_data")).status).toBe(204);
    expect((await act(old.data.id, "permanently_delete_backing_data")).status).toBe(204);
    const restore = await act(old.data.id, "restore_backing_data");
    expect(restore.status).toBe(409);
    expect(await restore.text()).toContain("transition not allowed");
    expect((await fetch(url)).status).toBe(404);
    expect((await current(ws)).body).toBe(stateFile(2, "L"));
  });
});

describe("what a workspace shows of its current state", () => {
  test("resources (one per managed instance), outputs (include=outputs) and the runs count", async () => {
    const ws = await lockedWorkspace("sv-resources");
    const before = await json<{ data: unknown[]; meta: { pagination: { "total-count": number } } }>(
      await t.api(`/api/v2/workspaces/${ws}/resources`),
      200,
    );
    expect(before.data).toEqual([]);
    const content = JSON.stringify({
      version: 4,
      terraform_version: "1.5.7",
      serial: 1,
      lineage: "L",
      outputs: {
        name: { value: "x", type: "string" },
        secret: { value: "s", type: "string", sensitive: true },
        list: { value: ["a"], type: ["list", "string"] },
      },
      resources: [
        {
          module: "module.bucket",
          mode: "managed",
          type: "aws_s3_bucket",
          name: "this",
          provider: 'provider["registry.terraform.io/hashicorp/aws"]',
          instances: [
            { index_key: 0, attributes: {} },
            { index_key: 1, attributes: {} },
          ],
        },
        {
          mode: "data",
          type: "terraform_remote_state",
          name: "other",
          provider: 'provider["terraform.io/builtin/terraform"]',
          instances: [{ attributes: {} }],
        },
      ],
    });
    await push(ws, content);
    type Resources = {
      data: { id: string; type: string; attributes: Record<string, unknown> }[];
      meta: { pagination: { "total-count": number } };
    };
    const all = await json<Resources>(await t.api(`/api/v2/workspaces/${ws}/resources`), 200);
    expect(all.meta.pagination["total-count"]).toBe(2);
    expect(all.data[0]?.type).toBe("resources");
    expect(all.data.map((r) => r.attributes.address)).toEqual([
      "bucket.aws_s3_bucket.this[0]",
      "bucket.aws_s3_bucket.this[1]",
    ]);
    expect(all.data[0]?.attributes).toMatchObject({
      name: "this",
      module: "bucket",
      provider: "hashicorp/aws",
      "provider-type": "aws_s3_bucket",
      "name-index": "0",
    });
    const second = await json<Resources>(
      await t.api(`/api/v2/workspaces/${ws}/resources?page[size]=1&page[number]=2`),
      200,
    );
    expect(second.data.map((r) => r.attributes.address)).toEqual(["bucket.aws_s3_bucket.this[1]"]);

    type WsDoc = Doc<Record<string, unknown>> & {
      included?: { id: string; type: string; attributes: Record<string, unknown> }[];
    };
    const doc = await json<WsDoc>(await t.api(`/api/v2/workspaces/${ws}?include=outputs`), 200);
    const outputs = (doc.data.relationships.outputs?.data ?? []) as { id: string; type: string }[];
    expect(outputs.map((o) => o.type)).toEqual([
      "workspace-outputs",
      "workspace-outputs",
      "workspace-outputs",
    ]);
    const included = new Map(
      (doc.included ?? []).filter((r) => r.type === "workspace-outputs").map((r) => [r.attributes.name, r]),
    );
    expect(included.get("name")?.attributes).toMatchObject({
      sensitive: false,
      "output-type": "string",
      value: "x",
    });
    expect(included.get("secret")?.attributes).toMatchObject({ sensitive: true, value: null });
    expect(included.get("list")?.attributes["output-type"]).toBe("array");
    expect(doc.data.attributes["workspace-kpis-runs-count"]).toBe(0);
  });
});
