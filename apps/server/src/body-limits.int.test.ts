import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { type Doc, expectJson, expectProblem } from "./testing/test-http.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/**
 * Python's urllib writes the whole body before it reads the answer: a server that answers early and
 * closes makes it fail with EPIPE / connection reset instead of reading the 413. These tests run the
 * real client (python3) against a real server.
 */
const client = `
import json, sys, urllib.request, urllib.error
method, url, token, size, kind = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
if kind == "json":
    body = b'{"data":{"type":"workspaces","attributes":{"name":"big","description":"' + b"a" * size + b'"}}}'
    headers = {"Content-Type": "application/vnd.api+json"}
else:
    body = b"x" * size
    headers = {"Content-Type": "application/octet-stream"}
if token != "-":
    headers["Authorization"] = "Bearer " + token
req = urllib.request.Request(url, data=body, method=method, headers=headers)
try:
    with urllib.request.urlopen(req, timeout=120) as res:
        print(json.dumps({"status": res.status, "body": res.read().decode()}))
except urllib.error.HTTPError as e:
    print(json.dumps({"status": e.code, "body": e.read().decode()}))
except Exception as e:
    print(json.dumps({"error": type(e).__name__ + ": " + str(e)}))
`;

type Outcome = { status?: number; body?: string; error?: string };

async function urllib(method: string, url: string, token: string | null, size: number, kind: "json" | "raw") {
  const proc = Bun.spawn(["python3", "-c", client, method, url, token ?? "-", String(size), kind], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  if (!out.trim()) throw new Error(`python3 printed nothing: ${err}`);
  return JSON.parse(out) as Outcome;
}

/** The answer must be a JSON:API error document with this status. */
function expectErrorDocument(outcome: Outcome, status: number): { detail?: string } {
  expect(outcome.error).toBeUndefined();
  expect(outcome.status).toBe(status);
  const doc = JSON.parse(outcome.body ?? "") as { errors: { status: string; detail?: string }[] };
  expect(doc.errors[0]?.status).toBe(String(status));
  return doc.errors[0] ?? {};
}

const MiB = 1024 * 1024;
let t: TestServer;
beforeAll(async () => {
  // Uploads up to 72 MiB; JSON bodies up to the default 16 MiB.
  t = await startTestServer({ env: { TERRAPOD_MAX_BODY_BYTES: String(72 * MiB) } });
});
afterAll(async () => {
  await t?.stop();
});

describe("a client that writes its whole body before reading still gets the answer", () => {
  test("a 64 MB JSON body: 413 (TERRAPOD_MAX_JSON_BYTES), as a JSON:API document", async () => {
    const url = `${t.url}/api/v2/organizations/default/workspaces`;
    const outcome = await urllib("POST", url, t.adminToken, 64 * 1000 * 1000, "json");
    expect(expectErrorDocument(outcome, 413).detail).toContain(String(16 * MiB));
    // the connection was kept usable: the server answers the next request
    expect((await t.api("/api/v2/ping")).status).toBe(204);
  }, 60_000);

  test("an invalid credential with a 64 MB body: 401, as a JSON:API document", async () => {
    const url = `${t.url}/api/v2/organizations/default/workspaces`;
    expectErrorDocument(await urllib("POST", url, "not-a-token", 64 * 1000 * 1000, "json"), 401);
  }, 60_000);

  test("state uploads: past TERRAPOD_MAX_BODY_BYTES a 413, to a bad URL a 404; the state stays as it was", async () => {
    const ws = await expectJson<Doc>(
      await t.api("/api/v2/organizations/default/workspaces", {
        method: "POST",
        body: JSON.stringify({
          data: { type: "workspaces", attributes: { name: "big-upload", "execution-mode": "local" } },
        }),
      }),
      201,
    );
    await expectJson<Doc>(await t.api(`/api/v2/workspaces/${ws.data.id}/actions/lock`, { method: "POST" }));
    const sv = await expectJson<Doc>(
      await t.api(`/api/v2/workspaces/${ws.data.id}/state-versions`, {
        method: "POST",
        body: JSON.stringify({
          data: {
            type: "state-versions",
            attributes: { serial: 1, lineage: "big", md5: createHash("md5").update("x").digest("hex") },
          },
        }),
      }),
      201,
    );
    const uploadUrl = String(sv.data.attributes["hosted-state-upload-url"]);
    const tooLarge = await urllib("PUT", uploadUrl, null, 80 * MiB, "raw");
    expect(expectErrorDocument(tooLarge, 413).detail).toContain(String(72 * MiB));
    const forged = `${uploadUrl.slice(0, uploadUrl.lastIndexOf("/"))}/eyJwIjoic3RhdGUtdXBsb2FkIn0.AAAA`;
    expectErrorDocument(await urllib("PUT", forged, null, 64 * 1000 * 1000, "raw"), 404);
    await expectProblem(await t.api(`/api/v2/workspaces/${ws.data.id}/current-state-version`), 404);
  }, 60_000);

  test("an optional JSON body (lock reason) is refused past the JSON limit, not buffered", async () => {
    const ws = await expectJson<Doc>(
      await t.api("/api/v2/organizations/default/workspaces", {
        method: "POST",
        body: JSON.stringify({ data: { type: "workspaces", attributes: { name: "big-lock" } } }),
      }),
      201,
    );
    const url = `${t.url}/api/v2/workspaces/${ws.data.id}/actions/lock`;
    expectErrorDocument(await urllib("POST", url, t.adminToken, 20 * MiB, "json"), 413);
    const after = await expectJson<Doc>(await t.api(`/api/v2/workspaces/${ws.data.id}`));
    expect(after.data.attributes.locked).toBe(false);
  }, 60_000);
});
