import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateTokenSecret, hashToken } from "@terrapod/core";
import { tokens } from "@terrapod/db";
import { randomIdPart } from "@terrapod/kernel";
import {
  type Doc,
  type ListDoc,
  expectJson as ok,
  expectProblem as problem,
  type Resource,
} from "./testing/test-http.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

/** The ids in a to-many relationship of a resource. */
function relatedIds(r: Resource, name: string): string[] {
  const data = r.relationships?.[name]?.data;
  return Array.isArray(data) ? data.map((d: { id: string }) => d.id) : [];
}

/** The id of the workspace's project. */
function projectOf(ws: Resource): string {
  const data = ws.relationships?.project?.data as { id?: string } | undefined;
  if (!data?.id) throw new Error("workspace without a project");
  return data.id;
}

async function send(method: string, path: string, data?: unknown, token?: string | null): Promise<Response> {
  return t.api(path, {
    method,
    ...(data === undefined ? {} : { body: JSON.stringify(data) }),
    ...(token === undefined ? {} : { token }),
  });
}

async function createOrganization(name: string): Promise<void> {
  await ok(
    await send("POST", "/api/v2/organizations", {
      data: { type: "organizations", attributes: { name, email: `${name}@example.test` } },
    }),
    201,
  );
}

async function createWorkspace(org: string, name = `ws-${randomIdPart(8)}`): Promise<Resource> {
  const doc = await ok<Doc>(
    await send("POST", `/api/v2/organizations/${org}/workspaces`, {
      data: { type: "workspaces", attributes: { name } },
    }),
    201,
  );
  return doc.data;
}

async function createVar(wsId: string, attributes: Record<string, unknown>): Promise<Resource> {
  const doc = await ok<Doc>(
    await send("POST", `/api/v2/workspaces/${wsId}/vars`, { data: { type: "vars", attributes } }),
    201,
  );
  return doc.data;
}

async function createSet(org: string, attributes: Record<string, unknown>): Promise<Resource> {
  const doc = await ok<Doc>(
    await send("POST", `/api/v2/organizations/${org}/varsets`, {
      data: { type: "varsets", attributes: { global: false, ...attributes } },
    }),
    201,
  );
  return doc.data;
}

async function createSetVar(setId: string, attributes: Record<string, unknown>): Promise<Resource> {
  const doc = await ok<Doc>(
    await send("POST", `/api/v2/varsets/${setId}/relationships/vars`, {
      data: { type: "vars", attributes: { category: "terraform", ...attributes } },
    }),
    201,
  );
  return doc.data;
}

async function applySet(setId: string, target: "workspaces" | "projects", id: string): Promise<void> {
  const res = await send("POST", `/api/v2/varsets/${setId}/relationships/${target}`, {
    data: [{ type: target, id }],
  });
  expect(res.status).toBe(204);
}

/** An organization token for `org`, inserted straight into the database. */
async function organizationToken(org: string): Promise<string> {
  const row = await t.db.db.query.organizations.findFirst({ where: (o, { eq }) => eq(o.name, org) });
  if (!row) throw new Error(`no organization ${org}`);
  const secret = generateTokenSecret();
  await t.db.db.insert(tokens).values({
    id: `at-${randomIdPart()}`,
    tokenHash: hashToken(secret),
    kind: "organization",
    organizationId: row.id,
    createdAt: new Date(),
  });
  return secret;
}

async function storedVariableValue(id: string): Promise<string> {
  const row = await t.db.db.query.variables.findFirst({ where: (v, { eq }) => eq(v.id, id) });
  if (!row) throw new Error(`no variable ${id}`);
  return row.value;
}

async function storedSetVariableValue(id: string): Promise<string> {
  const row = await t.db.db.query.variableSetVariables.findFirst({ where: (v, { eq }) => eq(v.id, id) });
  if (!row) throw new Error(`no variable ${id}`);
  return row.value;
}

describe("workspace variables", () => {
  let ws: Resource;
  beforeAll(async () => {
    ws = await createWorkspace("default");
  });

  test("create, read, list, update and delete", async () => {
    const created = await createVar(ws.id, {
      key: "region",
      value: "eu-west-1",
      category: "terraform",
      description: "where",
    });
    expect(created.type).toBe("vars");
    expect(created.id).toMatch(/^var-/);
    expect(created.attributes).toMatchObject({
      key: "region",
      value: "eu-west-1",
      category: "terraform",
      hcl: false,
      sensitive: false,
      description: "where",
    });
    expect(created.attributes["version-id"]).toMatch(/^[0-9a-f]{64}$/);
    expect(created.attributes["created-at"]).toMatch(/Z$/);
    expect(created.relationships?.configurable?.data).toEqual({ type: "workspaces", id: ws.id });

    const read = await ok<Doc>(await t.api(`/api/v2/workspaces/${ws.id}/vars/${created.id}`));
    expect(read.data).toEqual(created);

    const list = await ok<ListDoc>(await t.api(`/api/v2/workspaces/${ws.id}/vars`));
    expect(list.data.map((v) => v.id)).toContain(created.id);
    expect(list.meta?.pagination["total-count"]).toBe(list.data.length);

    const patched = await ok<Doc>(
      await send("PATCH", `/api/v2/workspaces/${ws.id}/vars/${created.id}`, {
        data: { type: "vars", attributes: { value: '["a"]', hcl: true } },
      }),
    );
    expect(patched.data.attributes).toMatchObject({ key: "region", value: '["a"]', hcl: true });
    expect(patched.data.attributes["version-id"]).not.toBe(created.attributes["version-id"]);

    const unchanged = await ok<Doc>(
      await send("PATCH", `/api/v2/workspaces/${ws.id}/vars/${created.id}`, {
        data: { type: "vars", attributes: {} },
      }),
    );
    expect(unchanged.data.attributes.value).toBe('["a"]');
    expect(unchanged.data.attributes["version-id"]).not.toBe(patched.data.attributes["version-id"]);

    expect((await send("DELETE", `/api/v2/workspaces/${ws.id}/vars/${created.id}`)).status).toBe(204);
    expect((await t.api(`/api/v2/workspaces/${ws.id}/vars/${created.id}`)).status).toBe(404);
  });

  test("a missing value is stored as an empty string", async () => {
    const v = await createVar(ws.id, { key: "empty_value", category: "env" });
    expect(v.attributes.value).toBe("");
  });

  test("the workspace document lists its variables", async () => {
    const own = await createWorkspace("default");
    const v = await createVar(own.id, { key: "listed", value: "x", category: "terraform" });
    const doc = await ok<Doc>(await t.api(`/api/v2/workspaces/${own.id}`));
    expect(doc.data.relationships?.vars?.data).toEqual([{ type: "vars", id: v.id }]);
  });

  test("a duplicate key in one category is 422; the other category is a separate namespace", async () => {
    await createVar(ws.id, { key: "dup", value: "1", category: "terraform" });
    const again = await send("POST", `/api/v2/workspaces/${ws.id}/vars`, {
      data: { type: "vars", attributes: { key: "dup", value: "2", category: "terraform" } },
    });
    const e = await problem(again, 422);
    expect(e.detail).toContain("has already been taken");
    expect(e.source?.pointer).toBe("/data/attributes/key");
    await createVar(ws.id, { key: "dup", value: "3", category: "env" });
  });

  test("renaming onto an existing key is 422", async () => {
    await createVar(ws.id, { key: "taken_a", value: "1", category: "terraform" });
    const b = await createVar(ws.id, { key: "taken_b", value: "1", category: "terraform" });
    const res = await send("PATCH", `/api/v2/workspaces/${ws.id}/vars/${b.id}`, {
      data: { type: "vars", attributes: { key: "taken_a" } },
    });
    expect((await problem(res, 422)).detail).toContain("has already been taken");
  });

  test.each([
    ["an env key with a dash", { key: "BAD-KEY", category: "env" }, "/data/attributes/key"],
    ["an env key starting with a digit", { key: "1ABC", category: "env" }, "/data/attributes/key"],
    ["a terraform key with a space", { key: "has space", category: "terraform" }, "/data/attributes/key"],
    ["an empty key", { key: "", category: "terraform" }, "/data/attributes/key"],
    ["a missing key", { category: "terraform" }, "/data/attributes/key"],
    ["a key that is too long", { key: "k".repeat(129), category: "terraform" }, "/data/attributes/key"],
    ["an unknown category", { key: "k", category: "policy-set" }, "/data/attributes/category"],
    ["a missing category", { key: "k" }, "/data/attributes/category"],
    ["hcl as a string", { key: "k", category: "terraform", hcl: "true" }, "/data/attributes/hcl"],
    ["a numeric value", { key: "k", category: "terraform", value: 42 }, "/data/attributes/value"],
    [
      "a description over 512 characters",
      { key: "k", category: "terraform", description: "d".repeat(513) },
      "/data/attributes/description",
    ],
    ["an unknown attribute", { key: "k", category: "terraform", colour: "red" }, "/data/attributes/colour"],
  ])("%s is 422 with a pointer", async (_name, attributes, pointer) => {
    const res = await send("POST", `/api/v2/workspaces/${ws.id}/vars`, {
      data: { type: "vars", attributes },
    });
    const e = await problem(res, 422);
    expect(e.source?.pointer).toBe(pointer);
    if (pointer === "/data/attributes/colour") expect(e.detail).toContain("colour");
  });

  test("changing the category re-checks the key", async () => {
    const v = await createVar(ws.id, { key: "tf-style-key", value: "x", category: "terraform" });
    const res = await send("PATCH", `/api/v2/workspaces/${ws.id}/vars/${v.id}`, {
      data: { type: "vars", attributes: { category: "env" } },
    });
    expect((await problem(res, 422)).source?.pointer).toBe("/data/attributes/key");
  });

  test("a wrong document type is 422", async () => {
    const res = await send("POST", `/api/v2/workspaces/${ws.id}/vars`, {
      data: { type: "workspaces", attributes: { key: "k", category: "env" } },
    });
    expect((await problem(res, 422)).source?.pointer).toBe("/data/type");
  });

  test("a variable addressed through another workspace is 404", async () => {
    const other = await createWorkspace("default");
    const v = await createVar(ws.id, { key: "mine", value: "x", category: "terraform" });
    expect((await t.api(`/api/v2/workspaces/${other.id}/vars/${v.id}`)).status).toBe(404);
    const patch = await send("PATCH", `/api/v2/workspaces/${other.id}/vars/${v.id}`, {
      data: { type: "vars", attributes: { value: "y" } },
    });
    expect(patch.status).toBe(404);
    expect((await send("DELETE", `/api/v2/workspaces/${other.id}/vars/${v.id}`)).status).toBe(404);
    expect((await t.api(`/api/v2/workspaces/${ws.id}/vars/var-doesnotexist`)).status).toBe(404);
  });

  test("the legacy /vars endpoints", async () => {
    const name = `legacy-${randomIdPart(6)}`;
    const legacyWs = await createWorkspace("default", name);
    const created = await ok<Doc>(
      await send("POST", "/api/v2/vars", {
        data: {
          type: "vars",
          attributes: { key: "legacy", value: "v1", category: "terraform" },
          relationships: { workspace: { data: { type: "workspaces", id: legacyWs.id } } },
        },
      }),
      201,
    );
    const list = await ok<ListDoc>(
      await t.api(`/api/v2/vars?filter[organization][name]=default&filter[workspace][name]=${name}`),
    );
    expect(list.data.map((v) => v.id)).toEqual([created.data.id]);
    const patched = await ok<Doc>(
      await send("PATCH", `/api/v2/vars/${created.data.id}`, {
        data: { type: "vars", attributes: { value: "v2" } },
      }),
    );
    expect(patched.data.attributes.value).toBe("v2");
    expect((await send("DELETE", `/api/v2/vars/${created.data.id}`)).status).toBe(204);
    expect((await send("DELETE", `/api/v2/vars/${created.data.id}`)).status).toBe(404);
    expect((await t.api("/api/v2/vars?filter[organization][name]=default")).status).toBe(422);
    const noWorkspace = await send("POST", "/api/v2/vars", {
      data: { type: "vars", attributes: { key: "k", category: "env" } },
    });
    expect((await problem(noWorkspace, 422)).source?.pointer).toBe("/data/relationships/workspace");
  });
});

describe("sensitive values", () => {
  test("are never returned and cannot be made readable again", async () => {
    const ws = await createWorkspace("default");
    const secret = `s3cr3t-${randomIdPart(12)}`;
    const created = await createVar(ws.id, {
      key: "db_password",
      value: secret,
      category: "terraform",
      sensitive: true,
    });
    expect(created.attributes.value).toBeNull();
    expect(created.attributes.sensitive).toBe(true);

    const responses = [
      await t.api(`/api/v2/workspaces/${ws.id}/vars/${created.id}`),
      await t.api(`/api/v2/workspaces/${ws.id}/vars`),
      await t.api(`/api/v2/workspaces/${ws.id}/all-vars`),
      await t.api(
        `/api/v2/vars?filter[organization][name]=default&filter[workspace][name]=${ws.attributes.name}`,
      ),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain(secret);
    }

    const unsensitive = await send("PATCH", `/api/v2/workspaces/${ws.id}/vars/${created.id}`, {
      data: { type: "vars", attributes: { sensitive: false } },
    });
    expect((await problem(unsensitive, 422)).source?.pointer).toBe("/data/attributes/sensitive");

    const rotated = `r0tated-${randomIdPart(12)}`;
    const patched = await ok<Doc>(
      await send("PATCH", `/api/v2/workspaces/${ws.id}/vars/${created.id}`, {
        data: { type: "vars", attributes: { value: rotated } },
      }),
    );
    expect(patched.data.attributes.value).toBeNull();
    const resolved = await t.server.services.variables.resolveForRun(ws.id, []);
    expect(resolved.variables).toEqual([
      { key: "db_password", value: rotated, category: "terraform", hcl: false, sensitive: true },
    ]);
    expect(resolved.sensitiveValues).toEqual([rotated]);
  });

  test("making a variable sensitive hides its value from then on", async () => {
    const ws = await createWorkspace("default");
    const v = await createVar(ws.id, { key: "later", value: "visible-then-hidden", category: "env" });
    const patched = await ok<Doc>(
      await send("PATCH", `/api/v2/workspaces/${ws.id}/vars/${v.id}`, {
        data: { type: "vars", attributes: { sensitive: true } },
      }),
    );
    expect(patched.data.attributes.value).toBeNull();
    expect(await (await t.api(`/api/v2/workspaces/${ws.id}/vars`)).text()).not.toContain(
      "visible-then-hidden",
    );
  });

  test("variable-set responses never carry them", async () => {
    const set = await createSet("default", { name: `sens-${randomIdPart(6)}` });
    const secret = `vs-secret-${randomIdPart(12)}`;
    const v = await createSetVar(set.id, { key: "api_token", value: secret, sensitive: true });
    expect(v.attributes.value).toBeNull();
    expect(v.relationships?.varset?.data).toEqual({ type: "varsets", id: set.id });
    const ws = await createWorkspace("default");
    await applySet(set.id, "workspaces", ws.id);
    const responses = [
      await t.api(`/api/v2/varsets/${set.id}/relationships/vars`),
      await t.api(`/api/v2/varsets/${set.id}/relationships/vars/${v.id}`),
      await t.api(`/api/v2/varsets/${set.id}?include=vars`),
      await t.api("/api/v2/organizations/default/varsets?include=vars"),
      await t.api(`/api/v2/workspaces/${ws.id}/varsets?include=vars`),
      await t.api(`/api/v2/workspaces/${ws.id}/all-vars`),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain(secret);
    }
    const included = await ok<Doc>(await t.api(`/api/v2/varsets/${set.id}?include=vars`));
    expect(included.included?.map((r) => [r.id, r.attributes.value])).toEqual([[v.id, null]]);
  });
});

describe("encryption at rest", () => {
  test("stored values are sealed, sensitive or not", async () => {
    const ws = await createWorkspace("default");
    const plain = `plain-value-${randomIdPart(12)}`;
    const hidden = `hidden-value-${randomIdPart(12)}`;
    const a = await createVar(ws.id, { key: "plain", value: plain, category: "terraform" });
    const b = await createVar(ws.id, { key: "hidden", value: hidden, category: "env", sensitive: true });
    for (const [id, value] of [
      [a.id, plain],
      [b.id, hidden],
    ] as const) {
      const stored = await storedVariableValue(id);
      expect(stored.length).toBeGreaterThan(value.length);
      expect(stored).not.toContain(value);
      expect(stored).not.toContain(Buffer.from(value).toString("base64"));
    }
    const set = await createSet("default", { name: `rest-${randomIdPart(6)}` });
    const setPlain = `set-value-${randomIdPart(12)}`;
    const sv = await createSetVar(set.id, { key: "k", value: setPlain });
    const stored = await storedSetVariableValue(sv.id);
    expect(stored).not.toContain(setPlain);
    expect(sv.attributes.value).toBe(setPlain);
  });
});

describe("variable sets", () => {
  test("create, read, list with q, update and delete", async () => {
    const name = `set-${randomIdPart(8)}`;
    const created = await createSet("default", { name, description: "a set", priority: false });
    expect(created.id).toMatch(/^varset-/);
    expect(created.type).toBe("varsets");
    expect(created.attributes).toMatchObject({ name, description: "a set", global: false, priority: false });
    expect(created.relationships?.organization?.data).toEqual({ type: "organizations", id: "default" });
    expect(created.relationships?.workspaces?.data).toEqual([]);

    const read = await ok<Doc>(await t.api(`/api/v2/varsets/${created.id}`));
    expect(read.data).toEqual(created);

    const listed = await ok<ListDoc>(await t.api(`/api/v2/organizations/default/varsets?q=${name}`));
    expect(listed.data).toEqual([created]);
    expect(listed.meta?.pagination["total-count"]).toBe(1);
    const far = await ok<ListDoc>(
      await t.api("/api/v2/organizations/default/varsets?page[number]=999&page[size]=100"),
    );
    expect(far.data).toEqual([]);
    expect(far.meta?.pagination["current-page"]).toBe(999);

    const updated = await ok<Doc>(
      await send("PATCH", `/api/v2/varsets/${created.id}`, {
        data: { type: "varsets", attributes: { name: `${name}-2`, global: true, priority: true } },
      }),
    );
    expect(updated.data.attributes).toMatchObject({ name: `${name}-2`, global: true, priority: true });

    expect((await send("DELETE", `/api/v2/varsets/${created.id}`)).status).toBe(204);
    expect((await t.api(`/api/v2/varsets/${created.id}`)).status).toBe(404);
  });

  test("a duplicate name in one organization is 422", async () => {
    const name = `same-${randomIdPart(6)}`;
    await createSet("default", { name });
    const res = await send("POST", "/api/v2/organizations/default/varsets", {
      data: { type: "varsets", attributes: { name, global: false } },
    });
    const e = await problem(res, 422);
    expect(e.detail).toContain("has already been taken");
    expect(e.source?.pointer).toBe("/data/attributes/name");
  });

  test("bad input is 422 with a pointer", async () => {
    const noName = await send("POST", "/api/v2/organizations/default/varsets", {
      data: { type: "varsets", attributes: { global: false } },
    });
    expect((await problem(noName, 422)).source?.pointer).toBe("/data/attributes/name");
    const unknown = await send("POST", "/api/v2/organizations/default/varsets", {
      data: { type: "varsets", attributes: { name: "x", shade: "blue" } },
    });
    expect((await problem(unknown, 422)).detail).toContain("shade");
    const wrongType = await send("POST", "/api/v2/organizations/default/varsets", {
      data: { type: "varsets", attributes: { name: "x", global: "yes" } },
    });
    expect((await problem(wrongType, 422)).source?.pointer).toBe("/data/attributes/global");
  });

  test("create with workspaces and variables in one document", async () => {
    const ws = await createWorkspace("default");
    const doc = await ok<Doc>(
      await send("POST", "/api/v2/organizations/default/varsets?include=vars", {
        data: {
          type: "varsets",
          attributes: { name: `bundle-${randomIdPart(6)}`, global: false },
          relationships: {
            workspaces: { data: [{ type: "workspaces", id: ws.id }] },
            vars: { data: [{ type: "vars", attributes: { key: "bundled", value: "yes", category: "env" } }] },
          },
        },
      }),
      201,
    );
    expect(doc.data.relationships?.workspaces?.data).toEqual([{ type: "workspaces", id: ws.id }]);
    expect(doc.included?.map((r) => r.attributes.key)).toEqual(["bundled"]);
  });

  test("variables of a set: CRUD, duplicates and one-way sensitivity", async () => {
    const set = await createSet("default", { name: `vars-${randomIdPart(6)}` });
    const v = await createSetVar(set.id, { key: "vTest1", value: "vTest1" });
    const list = await ok<ListDoc>(await t.api(`/api/v2/varsets/${set.id}/relationships/vars`));
    expect(list.data).toEqual([v]);
    const read = await ok<Doc>(await t.api(`/api/v2/varsets/${set.id}/relationships/vars/${v.id}`));
    expect(read.data).toEqual(v);
    const dup = await send("POST", `/api/v2/varsets/${set.id}/relationships/vars`, {
      data: { type: "vars", attributes: { key: "vTest1", category: "terraform" } },
    });
    expect((await problem(dup, 422)).detail).toContain("has already been taken");
    const patched = await ok<Doc>(
      await send("PATCH", `/api/v2/varsets/${set.id}/relationships/vars/${v.id}`, {
        data: { type: "vars", attributes: { key: "renamed", sensitive: true } },
      }),
    );
    expect(patched.data.attributes).toMatchObject({ key: "renamed", sensitive: true, value: null });
    expect(patched.data.attributes["version-id"]).not.toBe(v.attributes["version-id"]);
    const back = await send("PATCH", `/api/v2/varsets/${set.id}/relationships/vars/${v.id}`, {
      data: { type: "vars", attributes: { sensitive: false } },
    });
    expect((await problem(back, 422)).source?.pointer).toBe("/data/attributes/sensitive");
    const other = await createSet("default", { name: `other-${randomIdPart(6)}` });
    expect((await t.api(`/api/v2/varsets/${other.id}/relationships/vars/${v.id}`)).status).toBe(404);
    expect((await send("DELETE", `/api/v2/varsets/${set.id}/relationships/vars/${v.id}`)).status).toBe(204);
    expect((await t.api(`/api/v2/varsets/${set.id}/relationships/vars/${v.id}`)).status).toBe(404);
  });

  test("apply to and remove from workspaces; list a workspace's sets", async () => {
    const set = await createSet("default", { name: `apply-${randomIdPart(6)}` });
    const w1 = await createWorkspace("default");
    const w2 = await createWorkspace("default");
    await applySet(set.id, "workspaces", w1.id);
    await applySet(set.id, "workspaces", w2.id);
    await applySet(set.id, "workspaces", w2.id);
    const read = await ok<Doc>(await t.api(`/api/v2/varsets/${set.id}`));
    expect(relatedIds(read.data, "workspaces").sort()).toEqual([w1.id, w2.id].sort());
    const forW1 = await ok<ListDoc>(await t.api(`/api/v2/workspaces/${w1.id}/varsets`));
    expect(forW1.data.map((s) => s.id)).toContain(set.id);

    const removed = await send("DELETE", `/api/v2/varsets/${set.id}/relationships/workspaces`, {
      data: [{ type: "workspaces", id: w1.id }],
    });
    expect(removed.status).toBe(204);
    const after = await ok<Doc>(await t.api(`/api/v2/varsets/${set.id}`));
    expect(after.data.relationships?.workspaces?.data).toEqual([{ type: "workspaces", id: w2.id }]);
    const forW1After = await ok<ListDoc>(await t.api(`/api/v2/workspaces/${w1.id}/varsets`));
    expect(forW1After.data.map((s) => s.id)).not.toContain(set.id);
  });

  test("PATCH with relationships.workspaces replaces the assignment (go-tfe UpdateWorkspaces)", async () => {
    const set = await createSet("default", { name: `replace-${randomIdPart(6)}` });
    const w1 = await createWorkspace("default");
    const w2 = await createWorkspace("default");
    await applySet(set.id, "workspaces", w1.id);
    const replaced = await ok<Doc>(
      await send("PATCH", `/api/v2/varsets/${set.id}?include=workspaces`, {
        data: {
          type: "varsets",
          attributes: { global: false },
          relationships: { workspaces: { data: [{ type: "workspaces", id: w2.id }] } },
        },
      }),
    );
    expect(replaced.data.relationships?.workspaces?.data).toEqual([{ type: "workspaces", id: w2.id }]);
    expect(replaced.included?.map((r) => [r.type, r.id])).toEqual([["workspaces", w2.id]]);
    const cleared = await ok<Doc>(
      await send("PATCH", `/api/v2/varsets/${set.id}`, {
        data: { type: "varsets", relationships: { workspaces: { data: [] } } },
      }),
    );
    expect(cleared.data.relationships?.workspaces?.data).toEqual([]);
  });

  test("apply to the workspace's project", async () => {
    const ws = await createWorkspace("default");
    const projectId = projectOf(ws);
    const set = await createSet("default", { name: `project-${randomIdPart(6)}` });
    await applySet(set.id, "projects", projectId);
    const read = await ok<Doc>(await t.api(`/api/v2/varsets/${set.id}`));
    expect(read.data.relationships?.projects?.data).toEqual([{ type: "projects", id: projectId }]);
    const forProject = await ok<ListDoc>(await t.api(`/api/v2/projects/${projectId}/varsets`));
    expect(forProject.data.map((s) => s.id)).toContain(set.id);
    const forWs = await ok<ListDoc>(await t.api(`/api/v2/workspaces/${ws.id}/varsets`));
    expect(forWs.data.map((s) => s.id)).toContain(set.id);
    const removed = await send("DELETE", `/api/v2/varsets/${set.id}/relationships/projects`, {
      data: [{ type: "projects", id: projectId }],
    });
    expect(removed.status).toBe(204);
    expect((await t.api("/api/v2/projects/prj-doesnotexist/varsets")).status).toBe(404);
  });

  test("applying to a workspace of another organization is 404", async () => {
    await createOrganization("apply-other");
    const foreign = await createWorkspace("apply-other");
    const set = await createSet("default", { name: `foreign-${randomIdPart(6)}` });
    const res = await send("POST", `/api/v2/varsets/${set.id}/relationships/workspaces`, {
      data: [{ type: "workspaces", id: foreign.id }],
    });
    expect(res.status).toBe(404);
    const read = await ok<Doc>(await t.api(`/api/v2/varsets/${set.id}`));
    expect(read.data.relationships?.workspaces?.data).toEqual([]);
  });
});

describe("precedence end to end", () => {
  test("resolveVariablesForRun and all-vars follow TFE's order", async () => {
    await createOrganization("prec");
    const ws = await createWorkspace("prec");
    const projectId = projectOf(ws);

    const global = await createSet("prec", { name: "global", global: true });
    await createSetVar(global.id, { key: "g_only", value: "global" });
    await createSetVar(global.id, { key: "shadowed", value: "global" });
    await createSetVar(global.id, { key: "AWS_REGION", value: "global-env", category: "env" });

    const project = await createSet("prec", { name: "project" });
    await applySet(project.id, "projects", projectId);
    await createSetVar(project.id, { key: "p_only", value: "project" });
    await createSetVar(project.id, { key: "shadowed", value: "project" });

    const setA = await createSet("prec", { name: "A_Variable_Set" });
    const setB = await createSet("prec", { name: "B_Variable_Set" });
    await applySet(setA.id, "workspaces", ws.id);
    await applySet(setB.id, "workspaces", ws.id);
    const fromA = await createSetVar(setA.id, { key: "ab", value: "from-A" });
    await createSetVar(setB.id, { key: "ab", value: "from-B" });
    await createSetVar(setB.id, { key: "shadowed", value: "B" });

    await createVar(ws.id, { key: "shadowed", value: "workspace", category: "terraform" });
    await createVar(ws.id, { key: "by_run", value: "workspace", category: "terraform" });
    await createVar(ws.id, { key: "forced", value: "workspace", category: "terraform" });
    await createVar(ws.id, { key: "secret", value: "ws-secret", category: "env", sensitive: true });
    await createVar(ws.id, { key: "123-uuid-like", value: "x", category: "terraform" });

    const prio = await createSet("prec", { name: "enforced", priority: true });
    await applySet(prio.id, "workspaces", ws.id);
    await createSetVar(prio.id, { key: "forced", value: "priority" });

    const resolved = await t.server.services.variables.resolveForRun(ws.id, [
      { key: "by_run", value: '"run"' },
      { key: "forced", value: '"run"' },
    ]);
    expect(resolved.variables.map((v) => [v.category, v.key, v.value, v.hcl, v.sensitive])).toEqual([
      ["env", "AWS_REGION", "global-env", false, false],
      ["env", "secret", "ws-secret", false, true],
      ["terraform", "ab", "from-A", false, false],
      ["terraform", "by_run", '"run"', true, false],
      ["terraform", "forced", "priority", false, false],
      ["terraform", "g_only", "global", false, false],
      ["terraform", "p_only", "project", false, false],
      ["terraform", "shadowed", "workspace", false, false],
    ]);
    expect(resolved.sensitiveValues).toEqual(["ws-secret"]);

    const all = await ok<ListDoc>(await t.api(`/api/v2/workspaces/${ws.id}/all-vars`));
    const byKey = Object.fromEntries(
      all.data.map((v) => [`${v.attributes.category}/${v.attributes.key}`, v]),
    );
    expect(Object.keys(byKey).sort()).toEqual([
      "env/AWS_REGION",
      "env/secret",
      "terraform/123-uuid-like",
      "terraform/ab",
      "terraform/by_run",
      "terraform/forced",
      "terraform/g_only",
      "terraform/p_only",
      "terraform/shadowed",
    ]);
    expect(byKey["terraform/ab"]?.id).toBe(fromA.id);
    expect(byKey["terraform/forced"]?.attributes.value).toBe("priority");
    expect(byKey["terraform/shadowed"]?.attributes.value).toBe("workspace");
    expect(byKey["env/secret"]?.attributes.value).toBeNull();
    expect(byKey["terraform/forced"]?.relationships?.varset?.data).toEqual({ type: "varsets", id: prio.id });
    expect(byKey["terraform/forced"]?.relationships?.configurable).toBeUndefined();
  });

  test("an unknown workspace is NotFound", async () => {
    await expect(t.server.services.variables.resolveForRun("ws-doesnotexist", [])).rejects.toThrow(
      "not found",
    );
  });

  test("run variables must be Terraform identifiers", async () => {
    const ws = await createWorkspace("default");
    await expect(
      t.server.services.variables.resolveForRun(ws.id, [{ key: "not an identifier", value: "1" }]),
    ).rejects.toThrow("identifier");
  });
});

describe("access", () => {
  let ws: Resource;
  let variable: Resource;
  let set: Resource;
  let setVar: Resource;
  let outsider: string;
  let insider: string;

  beforeAll(async () => {
    await createOrganization("access-home");
    await createOrganization("access-away");
    ws = await createWorkspace("access-home");
    variable = await createVar(ws.id, { key: "guarded", value: "v", category: "terraform" });
    set = await createSet("access-home", { name: "guarded-set" });
    setVar = await createSetVar(set.id, { key: "k", value: "v" });
    outsider = await organizationToken("access-away");
    insider = await organizationToken("access-home");
  });

  const reads = () => [
    `/api/v2/workspaces/${ws.id}/vars`,
    `/api/v2/workspaces/${ws.id}/vars/${variable.id}`,
    `/api/v2/workspaces/${ws.id}/all-vars`,
    `/api/v2/workspaces/${ws.id}/varsets`,
    "/api/v2/vars?filter[organization][name]=access-home&filter[workspace][name]=" +
      String(ws.attributes.name),
    "/api/v2/organizations/access-home/varsets",
    `/api/v2/varsets/${set.id}`,
    `/api/v2/varsets/${set.id}/relationships/vars`,
    `/api/v2/varsets/${set.id}/relationships/vars/${setVar.id}`,
  ];

  test("no token is 401", async () => {
    for (const path of reads()) expect((await t.api(path, { token: null })).status).toBe(401);
    const create = await send(
      "POST",
      `/api/v2/workspaces/${ws.id}/vars`,
      { data: { type: "vars", attributes: { key: "k", category: "env" } } },
      null,
    );
    expect(create.status).toBe(401);
  });

  test("another organization's token sees 404 everywhere", async () => {
    for (const path of reads()) {
      const res = await t.api(path, { token: outsider });
      expect(res.status).toBe(404);
      // A 404 for a resource addressed by id must not reveal which organization it belongs to.
      if (!path.includes("access-home")) expect(await res.text()).not.toContain("access-home");
    }
    const writes: [string, string, unknown][] = [
      [
        "POST",
        `/api/v2/workspaces/${ws.id}/vars`,
        { data: { type: "vars", attributes: { key: "k", category: "env" } } },
      ],
      [
        "PATCH",
        `/api/v2/workspaces/${ws.id}/vars/${variable.id}`,
        { data: { type: "vars", attributes: { value: "x" } } },
      ],
      ["DELETE", `/api/v2/workspaces/${ws.id}/vars/${variable.id}`, undefined],
      ["PATCH", `/api/v2/vars/${variable.id}`, { data: { type: "vars", attributes: { value: "x" } } }],
      ["DELETE", `/api/v2/vars/${variable.id}`, undefined],
      [
        "POST",
        "/api/v2/organizations/access-home/varsets",
        { data: { type: "varsets", attributes: { name: "x" } } },
      ],
      ["PATCH", `/api/v2/varsets/${set.id}`, { data: { type: "varsets", attributes: { name: "y" } } }],
      ["DELETE", `/api/v2/varsets/${set.id}`, undefined],
      [
        "POST",
        `/api/v2/varsets/${set.id}/relationships/vars`,
        { data: { type: "vars", attributes: { key: "z", category: "env" } } },
      ],
      ["DELETE", `/api/v2/varsets/${set.id}/relationships/vars/${setVar.id}`, undefined],
      [
        "POST",
        `/api/v2/varsets/${set.id}/relationships/workspaces`,
        { data: [{ type: "workspaces", id: ws.id }] },
      ],
    ];
    for (const [method, path, data] of writes) {
      expect({ method, path, status: (await send(method, path, data, outsider)).status }).toEqual({
        method,
        path,
        status: 404,
      });
    }
    const still = await ok<Doc>(await t.api(`/api/v2/workspaces/${ws.id}/vars/${variable.id}`));
    expect(still.data.attributes.value).toBe("v");
    expect((await t.api(`/api/v2/varsets/${set.id}`)).status).toBe(200);
  });

  test("an organization token manages its own organization's variables", async () => {
    for (const path of reads()) expect((await t.api(path, { token: insider })).status).toBe(200);
    const created = await send(
      "POST",
      `/api/v2/workspaces/${ws.id}/vars`,
      { data: { type: "vars", attributes: { key: "INSIDER", value: "1", category: "env" } } },
      insider,
    );
    expect(created.status).toBe(201);
  });
});
