import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

describe("TFE handshake", () => {
  test("ping carries the headers the CLIs check", async () => {
    const res = await t.api("/api/v2/ping", { token: null });
    expect(res.status).toBe(204);
    expect(res.headers.get("tfp-api-version")).toBe("2.6");
    expect(res.headers.get("x-tfe-version")).toMatch(/^v\d{6}-\d+$/);
    expect(Number(res.headers.get("x-ratelimit-limit"))).toBeGreaterThanOrEqual(4);
    expect(res.headers.get("x-request-id")).toMatch(/^req-/);
  });

  test("discovery advertises the API and nothing that does not exist", async () => {
    const res = await fetch(`${t.url}/.well-known/terraform.json`);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc["tfe.v2"]).toBe("/api/v2/");
    expect(doc["tfe.v2.1"]).toBe("/api/v2/");
    expect(doc["modules.v1"]).toBeUndefined();
    expect(doc["login.v1"]).toBeUndefined();
  });

  test("a caller's request id is echoed", async () => {
    const res = await fetch(`${t.url}/api/v2/ping`, { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
  });
});

describe("health and metrics", () => {
  test("healthz and readyz", async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(ready.status).toBe(200);
    expect(body.checks.database).toBe("ok");
    expect(body.checks.storage).toBe("ok");
  });

  test("metrics count requests by route pattern", async () => {
    await t.api("/api/v2/organizations/default");
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toContain(
      'terrapod_http_requests_total{method="GET",route="/api/v2/organizations/:org",status="200"}',
    );
    expect(text).toContain("terrapod_http_request_duration_seconds_bucket");
  });
});

describe("organizations", () => {
  test("bootstrap created organization default, visible to the admin", async () => {
    const res = await t.api("/api/v2/organizations/default");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.api+json");
    const doc = (await res.json()) as {
      data: { id: string; type: string; attributes: Record<string, unknown> };
    };
    expect(doc.data.type).toBe("organizations");
    expect(doc.data.id).toBe("default");
    expect(doc.data.attributes["created-at"]).toMatch(/Z$/);
    expect((doc.data.attributes.permissions as Record<string, boolean>)["can-update"]).toBe(true);
  });

  test("create, list, update and delete", async () => {
    const create = await t.api("/api/v2/organizations", {
      method: "POST",
      body: JSON.stringify({
        data: { type: "organizations", attributes: { name: "acme", email: "ops@acme.test" } },
      }),
    });
    expect(create.status).toBe(201);
    const list = (await (await t.api("/api/v2/organizations")).json()) as {
      data: { id: string }[];
      meta: { pagination: Record<string, number> };
    };
    expect(list.data.map((o) => o.id)).toEqual(["default", "acme"]);
    expect(list.meta.pagination["total-count"]).toBe(2);
    const patch = await t.api("/api/v2/organizations/acme", {
      method: "PATCH",
      body: JSON.stringify({ data: { type: "organizations", attributes: { email: "new@acme.test" } } }),
    });
    expect(((await patch.json()) as { data: { attributes: { email: string } } }).data.attributes.email).toBe(
      "new@acme.test",
    );
    expect((await t.api("/api/v2/organizations/acme", { method: "DELETE" })).status).toBe(204);
    expect((await t.api("/api/v2/organizations/acme")).status).toBe(404);
  });

  test("a duplicate name is a 409 naming the problem", async () => {
    const body = JSON.stringify({
      data: { type: "organizations", attributes: { name: "dup", email: "a@b.test" } },
    });
    expect((await t.api("/api/v2/organizations", { method: "POST", body })).status).toBe(201);
    const again = await t.api("/api/v2/organizations", { method: "POST", body });
    expect(again.status).toBe(409);
    const doc = (await again.json()) as { errors: { detail: string }[] };
    expect(doc.errors[0]?.detail).toContain("dup");
  });

  test("user tokens are always enabled: true is accepted, false is refused", async () => {
    const org = (await (await t.api("/api/v2/organizations/default")).json()) as {
      data: { attributes: Record<string, unknown> };
    };
    expect(org.data.attributes["user-tokens-enabled"]).toBe(true);
    const patch = (value: boolean) =>
      t.api("/api/v2/organizations/default", {
        method: "PATCH",
        body: JSON.stringify({
          data: { type: "organizations", attributes: { "user-tokens-enabled": value } },
        }),
      });
    expect((await patch(true)).status).toBe(200);
    const refused = await patch(false);
    expect(refused.status).toBe(422);
    const doc = (await refused.json()) as { errors: { detail: string; source?: { pointer: string } }[] };
    expect(doc.errors[0]?.detail).toContain("cannot be disabled");
    expect(doc.errors[0]?.source?.pointer).toBe("/data/attributes/user-tokens-enabled");
    const created = await t.api("/api/v2/organizations", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "organizations",
          attributes: { name: "tokens-on", email: "a@b.test", "user-tokens-enabled": true },
        },
      }),
    });
    expect(created.status).toBe(201);
    expect((await t.api("/api/v2/organizations/tokens-on", { method: "DELETE" })).status).toBe(204);
  });

  test("entitlements report only what exists", async () => {
    const doc = (await (await t.api("/api/v2/organizations/default/entitlement-set")).json()) as {
      data: { type: string; attributes: Record<string, unknown> };
    };
    expect(doc.data.type).toBe("entitlement-sets");
    expect(doc.data.attributes["state-storage"]).toBe(true);
    expect(doc.data.attributes.teams).toBe(false);
    expect(doc.data.attributes.sentinel).toBe(false);
  });
});

describe("errors", () => {
  test("no token and a wrong token are 401", async () => {
    expect((await t.api("/api/v2/organizations", { token: null })).status).toBe(401);
    const wrong = await t.api("/api/v2/organizations", { token: "nope.tpod.nope" });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { errors: { status: string }[] }).errors[0]?.status).toBe("401");
  });

  test("an unknown organization is 404", async () => {
    expect((await t.api("/api/v2/organizations/does-not-exist")).status).toBe(404);
  });

  test("an unknown route is a JSON:API 404", async () => {
    const res = await t.api("/api/v2/no/such/thing");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: unknown[] }).errors).toHaveLength(1);
  });

  test("malformed JSON is a 400 without a stack trace", async () => {
    const res = await t.api("/api/v2/organizations", { method: "POST", body: "{not json" });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain("at ");
    expect(JSON.parse(text).errors[0].detail).toContain("not valid JSON");
  });

  test("a wrong type and an unknown attribute are 422 with a pointer", async () => {
    const wrongType = await t.api("/api/v2/organizations", {
      method: "POST",
      body: JSON.stringify({ data: { type: "organizations", attributes: { name: 42, email: "a@b.test" } } }),
    });
    expect(wrongType.status).toBe(422);
    expect(
      ((await wrongType.json()) as { errors: { source: { pointer: string } }[] }).errors[0]?.source.pointer,
    ).toBe("/data/attributes/name");
    const unknown = await t.api("/api/v2/organizations", {
      method: "POST",
      body: JSON.stringify({
        data: { type: "organizations", attributes: { name: "x", email: "a@b.test", colour: 1 } },
      }),
    });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { errors: { detail: string }[] }).errors[0]?.detail).toContain(
      "colour",
    );
  });

  test("an oversized JSON body is 413 and the server stays up", async () => {
    const big = JSON.stringify({
      data: { type: "organizations", attributes: { name: "x".repeat(17 * 1024 * 1024) } },
    });
    const res = await t.api("/api/v2/organizations", { method: "POST", body: big });
    expect(res.status).toBe(413);
    expect((await t.api("/api/v2/ping")).status).toBe(204);
  });
});

describe("domain errors keep their message", () => {
  test("a missing workspace says which one", async () => {
    const res = await t.api("/api/v2/workspaces/ws-doesnotexist0000");
    expect(res.status).toBe(404);
    const doc = (await res.json()) as { errors: { detail: string }[] };
    expect(doc.errors[0]?.detail).toContain("ws-doesnotexist0000");
  });
});
