import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createAccessPolicy, createWorkspaceService } from "@terrapod/core";
import { ForbiddenError, randomIdPart, randomIds, systemClock } from "@terrapod/kernel";
import {
  type Doc,
  type ListDoc,
  expectJson as ok,
  expectProblem as problem,
  type Resource,
} from "./testing/test-http.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/** Workspace and organization settings: each one Terrapod accepts works, or is refused (docs/settings.md). */
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ env: { TERRAPOD_EXECUTOR: "none" } });
});
afterAll(async () => {
  await t?.stop();
});

async function send(method: string, path: string, data?: unknown): Promise<Response> {
  return t.api(path, { method, ...(data === undefined ? {} : { body: JSON.stringify(data) }) });
}

const orgDoc = (attributes: Record<string, unknown>) => ({ data: { type: "organizations", attributes } });
const wsDoc = (attributes: Record<string, unknown>) => ({ data: { type: "workspaces", attributes } });

async function createOrganization(attributes: Record<string, unknown> = {}): Promise<Resource> {
  const name = `org-${randomIdPart(8)}`;
  const doc = await ok<Doc>(
    await send(
      "POST",
      "/api/v2/organizations",
      orgDoc({ name, email: `${name}@example.test`, ...attributes }),
    ),
    201,
  );
  return doc.data;
}

async function createWorkspace(org: string, attributes: Record<string, unknown> = {}): Promise<Resource> {
  const doc = await ok<Doc>(
    await send(
      "POST",
      `/api/v2/organizations/${org}/workspaces`,
      wsDoc({ name: `ws-${randomIdPart(8)}`, ...attributes }),
    ),
    201,
  );
  return doc.data;
}

describe("workspace settings Terrapod cannot honour are refused with a 422 at the attribute", () => {
  const refused: [string, unknown, string][] = [
    ["execution-mode", "agent", "no agent pools"],
    ["agent-pool-id", "apool-123", "no agent pools"],
    ["assessments-enabled", true, "health assessments"],
    ["auto-apply-run-trigger", true, "no run triggers"],
    ["auto-destroy-activity-duration", "14d", "auto-destroy-at"],
    ["hyok-enabled", true, "hold-your-own-key"],
    ["project-remote-state", true, "remote state consumers"],
    ["migration-environment", "legacy/env", "legacy environments"],
    ["setting-overwrites", { "execution-mode": "no" }, "must be booleans"],
    ["auto-destroy-at", "next tuesday", "ISO 8601"],
  ];

  test.each(refused)("%s = %p, on create and update", async (attribute, value, reason) => {
    const org = (await createOrganization()).id;
    const create = await problem(
      await send("POST", `/api/v2/organizations/${org}/workspaces`, wsDoc({ name: "w", [attribute]: value })),
      422,
    );
    expect(create.source?.pointer).toBe(`/data/attributes/${attribute}`);
    expect(create.detail).toContain(reason);
    const ws = await createWorkspace(org);
    const update = await problem(
      await send("PATCH", `/api/v2/workspaces/${ws.id}`, wsDoc({ [attribute]: value })),
      422,
    );
    expect(update.source?.pointer).toBe(`/data/attributes/${attribute}`);
  });

  test("the values that change nothing are accepted, and the document says what is true", async () => {
    const org = (await createOrganization()).id;
    const ws = await createWorkspace(org, {
      "assessments-enabled": false,
      "auto-apply-run-trigger": false,
      "agent-pool-id": null,
      "auto-destroy-activity-duration": null,
      "structured-run-output-enabled": true,
      "hyok-enabled": false,
      "project-remote-state": false,
      "inherits-project-auto-destroy": true,
      "setting-overwrites": { "execution-mode": true, "agent-pool": false },
    });
    // structured-run-output-enabled: accepted (the tfe provider sends true) and reported off.
    expect(ws.attributes).toMatchObject({
      "assessments-enabled": false,
      "auto-apply-run-trigger": false,
      "auto-destroy-at": null,
      "structured-run-output-enabled": false,
      "project-remote-state": false,
      "setting-overwrites": { "execution-mode": true, "agent-pool": false },
    });
  });
});

describe("execution mode and setting-overwrites", () => {
  const modeOf = async (id: string) => {
    const doc = await ok<Doc>(await t.api(`/api/v2/workspaces/${id}`));
    const overwrites = doc.data.attributes["setting-overwrites"] as Record<string, boolean>;
    return [doc.data.attributes["execution-mode"], overwrites["execution-mode"]];
  };

  test("a workspace follows its organization's default unless it is given its own", async () => {
    const org = (await createOrganization({ "default-execution-mode": "local" })).id;
    const follows = await createWorkspace(org);
    const own = await createWorkspace(org, { "execution-mode": "remote" });
    const kept = await createWorkspace(org, { "setting-overwrites": { "execution-mode": true } });
    expect(await modeOf(follows.id)).toEqual(["local", false]);
    expect(await modeOf(own.id)).toEqual(["remote", true]);
    expect(await modeOf(kept.id)).toEqual(["local", true]);

    await ok<Doc>(
      await send("PATCH", `/api/v2/organizations/${org}`, orgDoc({ "default-execution-mode": "remote" })),
    );
    expect(await modeOf(follows.id)).toEqual(["remote", false]);
    expect(await modeOf(own.id)).toEqual(["remote", true]);
    expect(await modeOf(kept.id)).toEqual(["local", true]);

    const inherit = wsDoc({ "setting-overwrites": { "execution-mode": false } });
    await ok<Doc>(await send("PATCH", `/api/v2/workspaces/${kept.id}`, inherit));
    expect(await modeOf(kept.id)).toEqual(["remote", false]);
    await ok<Doc>(
      await send("PATCH", `/api/v2/workspaces/${follows.id}`, wsDoc({ "execution-mode": "local" })),
    );
    expect(await modeOf(follows.id)).toEqual(["local", true]);

    const both = wsDoc({ "execution-mode": "local", "setting-overwrites": { "execution-mode": false } });
    const err = await problem(await send("PATCH", `/api/v2/workspaces/${own.id}`, both), 422);
    expect(err.source?.pointer).toBe("/data/attributes/execution-mode");
  });
});

describe("auto-destroy-at", () => {
  test("is kept and read back; needs destroy plans allowed and remote execution", async () => {
    const org = (await createOrganization()).id;
    const at = "2031-05-01T12:00:00.000Z";
    const ws = await createWorkspace(org, { "auto-destroy-at": at });
    expect(ws.attributes["auto-destroy-at"]).toBe(at);
    const read = await ok<Doc>(await t.api(`/api/v2/workspaces/${ws.id}`));
    expect(read.data.attributes["auto-destroy-at"]).toBe(at);

    const off = await problem(
      await send("PATCH", `/api/v2/workspaces/${ws.id}`, wsDoc({ "allow-destroy-plan": false })),
      422,
    );
    expect(off.source?.pointer).toBe("/data/attributes/auto-destroy-at");
    expect(off.detail).toContain("allow-destroy-plan is false");
    const local = await problem(
      await send("PATCH", `/api/v2/workspaces/${ws.id}`, wsDoc({ "execution-mode": "local" })),
      422,
    );
    expect(local.detail).toContain("needs remote execution");

    const cleared = await ok<Doc>(
      await send(
        "PATCH",
        `/api/v2/workspaces/${ws.id}`,
        wsDoc({ "auto-destroy-at": null, "allow-destroy-plan": false }),
      ),
    );
    expect(cleared.data.attributes).toMatchObject({ "auto-destroy-at": null, "allow-destroy-plan": false });
  });

  test("once due, the sweep ends a schedule whose run cannot be queued and says why", async () => {
    const org = (await createOrganization()).id;
    const ws = await createWorkspace(org, { "auto-destroy-at": "2020-01-01T00:00:00Z" });
    const outcomes = await t.server.services.runs.queueDueAutoDestroys();
    const mine = outcomes.find((o) => o.workspaceId === ws.id);
    expect(mine?.runId).toBeUndefined();
    expect(mine?.error).toContain("no uploaded configuration version");
    const read = await ok<Doc>(await t.api(`/api/v2/workspaces/${ws.id}`));
    expect(read.data.attributes["auto-destroy-at"]).toBeNull();
    const again = await t.server.services.runs.queueDueAutoDestroys();
    expect(again.find((o) => o.workspaceId === ws.id)).toBeUndefined();
  });
});

describe("remote state consumers", () => {
  const path = (id: string) => `/api/v2/workspaces/${id}/relationships/remote-state-consumers`;
  const refs = (...ids: string[]) => ({ data: ids.map((id) => ({ type: "workspaces", id })) });
  const consumers = async (id: string) =>
    (await ok<ListDoc>(await t.api(path(id)))).data.map((w) => w.id).sort();

  test("add, list, remove and replace; what canReadRemoteState answers", async () => {
    const org = (await createOrganization()).id;
    const source = await createWorkspace(org, { "global-remote-state": false });
    const [a, b, c] = [await createWorkspace(org), await createWorkspace(org), await createWorkspace(org)];
    if (!a || !b || !c) throw new Error("workspaces");
    const may = (reader: string) => t.server.services.workspaces.canReadRemoteState(reader, source.id);

    expect(await consumers(source.id)).toEqual([]);
    expect(await may(a.id)).toBe(false);
    expect(await may(source.id)).toBe(true);

    expect((await send("POST", path(source.id), refs(a.id, b.id))).status).toBe(204);
    expect(await consumers(source.id)).toEqual([a.id, b.id].sort());
    const listed = await ok<ListDoc>(await t.api(path(source.id)));
    expect(listed.data[0]?.type).toBe("workspaces");
    expect(listed.meta?.pagination["total-count"]).toBe(2);
    expect(await may(a.id)).toBe(true);
    expect(await may(c.id)).toBe(false);

    expect((await send("DELETE", path(source.id), refs(a.id, c.id))).status).toBe(204);
    expect(await consumers(source.id)).toEqual([b.id]);
    expect(await may(a.id)).toBe(false);

    expect((await send("PATCH", path(source.id), refs(c.id))).status).toBe(204);
    expect(await consumers(source.id)).toEqual([c.id]);

    await ok<Doc>(
      await send("PATCH", `/api/v2/workspaces/${source.id}`, wsDoc({ "global-remote-state": true })),
    );
    expect(await may(a.id)).toBe(true);

    // Another organization's workspaces never read it, whatever the settings.
    const stranger = await createWorkspace((await createOrganization()).id);
    expect(await may(stranger.id)).toBe(false);
    expect(await t.server.services.workspaces.canReadRemoteState("ws-doesnotexist", source.id)).toBe(false);

    // A consumer that is deleted leaves the list.
    expect((await send("DELETE", `/api/v2/workspaces/${c.id}`)).status).toBe(204);
    expect(await consumers(source.id)).toEqual([]);
  });

  test("consumers must be other workspaces of the organization; bodies must be workspace references", async () => {
    const org = (await createOrganization()).id;
    const source = await createWorkspace(org);
    const stranger = await createWorkspace((await createOrganization()).id);
    for (const id of [stranger.id, "ws-doesnotexist", "nonsense", source.id]) {
      const err = await problem(await send("POST", path(source.id), refs(id)), 422);
      expect(err.source?.pointer).toBe("/data");
    }
    const wrongType = await problem(
      await send("POST", path(source.id), { data: [{ type: "runs", id: "run-x" }] }),
      422,
    );
    expect(wrongType.source?.pointer).toBe("/data/0");
    expect((await send("POST", path(source.id), { data: {} })).status).toBe(422);
    expect((await send("POST", path("ws-doesnotexist"), refs(source.id))).status).toBe(404);
    expect((await t.api(path("ws-doesnotexist"))).status).toBe(404);
    expect((await t.api(path(source.id), { token: null })).status).toBe(401);
  });
});

describe("organization settings", () => {
  const refused: [string, unknown, string][] = [
    ["collaborator-auth-policy", "two_factor_mandatory", "only password"],
    ["session-timeout", 3600, "no browser sessions"],
    ["session-remember", 3600, "no browser sessions"],
    ["assessments-enforced", true, "health assessments"],
    ["send-passing-statuses-for-untriggered-speculative-plans", true, "commit statuses"],
    ["default-execution-mode", "agent", "no agent pools"],
    ["owners-team-saml-role-id", "role", "SAML"],
    ["aggregated-commit-status-enabled", true, "commit statuses"],
    ["speculative-plan-management-enabled", true, "VCS"],
    ["enforce-hyok", true, "hold-your-own-key"],
    ["registry-monorepo-support-enabled", true, "module registry"],
    ["max-ttl-enabled", true, "time-to-live"],
  ];

  test.each(refused)("%s = %p is refused on create and update", async (attribute, value, reason) => {
    const name = `org-${randomIdPart(8)}`;
    const create = await problem(
      await send(
        "POST",
        "/api/v2/organizations",
        orgDoc({ name, email: `${name}@x.test`, [attribute]: value }),
      ),
      422,
    );
    expect(create.source?.pointer).toBe(`/data/attributes/${attribute}`);
    expect(create.detail).toContain(reason);
    const org = await createOrganization();
    const update = await problem(
      await send("PATCH", `/api/v2/organizations/${org.id}`, orgDoc({ [attribute]: value })),
      422,
    );
    expect(update.source?.pointer).toBe(`/data/attributes/${attribute}`);
  });

  test("what go-tfe sends every organization is accepted; the document says what is true", async () => {
    const org = await createOrganization({
      "cost-estimation-enabled": true,
      "stacks-enabled": true,
      "collaborator-auth-policy": "password",
      "session-timeout": null,
      "assessments-enforced": false,
      "default-execution-mode": "local",
    });
    expect(org.attributes).toMatchObject({
      "cost-estimation-enabled": false,
      "stacks-enabled": false,
      "collaborator-auth-policy": "password",
      "session-timeout": null,
      "session-remember": null,
      "assessments-enforced": false,
      "default-execution-mode": "local",
    });
    const ws = await createWorkspace(org.id);
    expect(ws.attributes["execution-mode"]).toBe("local");
  });
});

/** Gives the workspace a state that manages one resource (lock, two-step upload, unlock). */
async function manageOneResource(ws: string): Promise<void> {
  const resource = {
    mode: "managed",
    type: "terraform_data",
    name: "a",
    provider: 'provider["terraform.io/builtin/terraform"]',
    instances: [{ schema_version: 0, attributes: { id: "x" } }],
  };
  const state = JSON.stringify({ version: 4, serial: 1, lineage: "l1", outputs: {}, resources: [resource] });
  const md5 = createHash("md5").update(state).digest("hex");
  await ok<Doc>(await send("POST", `/api/v2/workspaces/${ws}/actions/lock`));
  const sv = await ok<Doc>(
    await send("POST", `/api/v2/workspaces/${ws}/state-versions`, {
      data: { type: "state-versions", attributes: { serial: 1, lineage: "l1", md5 } },
    }),
    201,
  );
  const put = await fetch(String(sv.data.attributes["hosted-state-upload-url"]), {
    method: "PUT",
    body: state,
  });
  expect(put.status).toBe(200);
  await ok<Doc>(await send("POST", `/api/v2/workspaces/${ws}/actions/unlock`));
  const read = await ok<Doc>(await t.api(`/api/v2/workspaces/${ws}`));
  expect(read.data.attributes["resource-count"]).toBe(1);
}

describe("allow-force-delete-workspaces", () => {
  test("is kept; owners may always force delete, other admins only when it is on", async () => {
    const org = await createOrganization({ "allow-force-delete-workspaces": true });
    expect(org.attributes["allow-force-delete-workspaces"]).toBe(true);
    const updated = await ok<Doc>(
      await send(
        "PATCH",
        `/api/v2/organizations/${org.id}`,
        orgDoc({ "allow-force-delete-workspaces": false }),
      ),
    );
    expect(updated.data.attributes["allow-force-delete-workspaces"]).toBe(false);

    const ws = await createWorkspace(org.id);
    expect((ws.attributes.permissions as Record<string, boolean>)["can-force-delete"]).toBe(true);

    // A workspace admin who is not an organization owner (no such role exists yet over HTTP).
    const owners = createAccessPolicy();
    const adminOnly = {
      ...owners,
      canOnOrganization: async () => false,
      requireOrganization: async (_a: unknown, action: string) => {
        throw new ForbiddenError(`permission "${action}" is required`, { permission: action });
      },
    } as typeof owners;
    const service = createWorkspaceService({
      db: t.db.db,
      clock: systemClock,
      ids: randomIds,
      access: adminOnly,
      hasPendingStateUpload: async () => false,
      afterDelete: async () => {},
    });
    const admin = { kind: "system", reason: "test" } as const;
    const busy = await createWorkspace(org.id);
    await manageOneResource(busy.id);
    const current = await service.get(admin, busy.id);
    expect((await service.permissions(admin, current)).canForceDelete).toBe(false);
    await expect(service.delete(admin, busy.id, { safe: false })).rejects.toThrow("workspace:force-delete");
    // Nothing managed: any admin may delete it.
    const idle = await createWorkspace(org.id);
    await service.delete(admin, idle.id, { safe: false });

    await ok<Doc>(
      await send(
        "PATCH",
        `/api/v2/organizations/${org.id}`,
        orgDoc({ "allow-force-delete-workspaces": true }),
      ),
    );
    expect((await service.permissions(admin, current)).canForceDelete).toBe(true);
    await service.delete(admin, busy.id, { safe: false });
    expect((await t.api(`/api/v2/workspaces/${busy.id}`)).status).toBe(404);
  });
});
