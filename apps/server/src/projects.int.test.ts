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

async function send(method: string, path: string, data?: unknown, token?: string | null): Promise<Response> {
  return t.api(path, {
    method,
    ...(data === undefined ? {} : { body: JSON.stringify(data) }),
    ...(token === undefined ? {} : { token }),
  });
}

function relatedId(r: Resource, name: string): string | null {
  const data = r.relationships?.[name]?.data as { id?: string } | null | undefined;
  return data?.id ?? null;
}

async function createOrganization(prefix = "org"): Promise<string> {
  const name = `${prefix}-${randomIdPart(8)}`;
  await ok(
    await send("POST", "/api/v2/organizations", {
      data: { type: "organizations", attributes: { name, email: `${name}@example.test` } },
    }),
    201,
  );
  return name;
}

function projectDoc(attributes: Record<string, unknown>) {
  return { data: { type: "projects", attributes } };
}

async function createProject(org: string, name: string, extra: Record<string, unknown> = {}) {
  const doc = await ok<Doc>(
    await send("POST", `/api/v2/organizations/${org}/projects`, projectDoc({ name, ...extra })),
    201,
  );
  return doc.data;
}

async function createWorkspace(org: string, projectId?: string): Promise<Resource> {
  const doc = await ok<Doc>(
    await send("POST", `/api/v2/organizations/${org}/workspaces`, {
      data: {
        type: "workspaces",
        attributes: { name: `ws-${randomIdPart(8)}` },
        ...(projectId ? { relationships: { project: { data: { type: "projects", id: projectId } } } } : {}),
      },
    }),
    201,
  );
  return doc.data;
}

async function moveWorkspace(wsId: string, projectId: string): Promise<Resource> {
  const doc = await ok<Doc>(
    await send("PATCH", `/api/v2/workspaces/${wsId}`, {
      data: { type: "workspaces", relationships: { project: { data: { type: "projects", id: projectId } } } },
    }),
  );
  return doc.data;
}

async function listNames(org: string, query: string): Promise<string[]> {
  const doc = await ok<ListDoc>(await t.api(`/api/v2/organizations/${org}/projects?${query}`));
  return doc.data.map((p) => String(p.attributes.name));
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

describe("the default project", () => {
  test("every organization has one, named by the organization's default-project relationship", async () => {
    const org = await createOrganization();
    const read = await ok<Doc>(await t.api(`/api/v2/organizations/${org}?include=default-project`));
    const defaultId = relatedId(read.data, "default-project");
    expect(defaultId).toStartWith("prj-");
    expect(read.data.attributes.permissions).toMatchObject({ "can-create-project": true });
    const included = read.included?.find((r) => r.type === "projects");
    expect(included?.id).toBe(defaultId ?? "");
    expect(included?.attributes.name).toBe("Default Project");

    const list = await ok<ListDoc>(await t.api(`/api/v2/organizations/${org}/projects`));
    expect(list.data.map((p) => p.id)).toEqual([defaultId ?? ""]);
    expect(list.meta?.pagination["total-count"]).toBe(1);

    // Workspaces land there unless told otherwise.
    const ws = await createWorkspace(org);
    expect(relatedId(ws, "project")).toBe(defaultId);
  });

  test("the organization list and create responses carry it too", async () => {
    const name = `org-${randomIdPart(8)}`;
    const created = await ok<Doc>(
      await send("POST", "/api/v2/organizations", {
        data: { type: "organizations", attributes: { name, email: `${name}@example.test` } },
      }),
      201,
    );
    const defaultId = relatedId(created.data, "default-project");
    expect(defaultId).toStartWith("prj-");
    const updated = await ok<Doc>(
      await send("PATCH", `/api/v2/organizations/${name}`, {
        data: { type: "organizations", attributes: { email: `changed-${name}@example.test` } },
      }),
    );
    expect(relatedId(updated.data, "default-project")).toBe(defaultId);
    const list = await ok<ListDoc>(await t.api("/api/v2/organizations?page[size]=100"));
    const listed = list.data.find((o) => o.id === name);
    expect(listed && relatedId(listed, "default-project")).toBe(defaultId);
  });

  test("can be renamed but not deleted", async () => {
    const org = await createOrganization();
    const read = await ok<Doc>(await t.api(`/api/v2/organizations/${org}`));
    const defaultId = relatedId(read.data, "default-project") ?? "";
    const project = await ok<Doc>(await t.api(`/api/v2/projects/${defaultId}`));
    expect(project.data.attributes.permissions).toMatchObject({ "can-update": true, "can-destroy": false });

    const renamed = await ok<Doc>(
      await send("PATCH", `/api/v2/projects/${defaultId}`, projectDoc({ name: "Main" })),
    );
    expect(renamed.data.attributes.name).toBe("Main");

    const err = await problem(await send("DELETE", `/api/v2/projects/${defaultId}`), 422);
    expect(err.detail).toContain("default project");
    expect((await t.api(`/api/v2/projects/${defaultId}`)).status).toBe(200);
  });
});

describe("project CRUD", () => {
  test("create, read, list, update, delete", async () => {
    const org = await createOrganization();
    const created = await createProject(org, "Platform Team", { description: "shared infra" });
    expect(created.type).toBe("projects");
    expect(created.id).toStartWith("prj-");
    expect(created.attributes).toMatchObject({
      name: "Platform Team",
      description: "shared infra",
      "workspace-count": 0,
      "default-execution-mode": "remote",
      "setting-overwrites": { "default-execution-mode": false, "default-agent-pool": false },
      permissions: { "can-read": true, "can-update": true, "can-destroy": true },
    });
    expect(String(created.attributes["created-at"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(created.relationships?.organization?.data).toEqual({ type: "organizations", id: org });

    const read = await ok<Doc>(await t.api(`/api/v2/projects/${created.id}`));
    expect(read.data).toEqual(created);

    const withOrg = await ok<Doc>(await t.api(`/api/v2/projects/${created.id}?include=organization`));
    expect(withOrg.included?.map((r) => [r.type, r.id])).toEqual([["organizations", org]]);

    const updated = await ok<Doc>(
      await send(
        "PATCH",
        `/api/v2/projects/${created.id}`,
        projectDoc({ name: "Platform", description: null }),
      ),
    );
    expect(updated.data.attributes).toMatchObject({ name: "Platform", description: "" });
    const described = await ok<Doc>(
      await send("PATCH", `/api/v2/projects/${created.id}`, projectDoc({ description: "again" })),
    );
    expect(described.data.attributes).toMatchObject({ name: "Platform", description: "again" });

    expect((await send("DELETE", `/api/v2/projects/${created.id}`)).status).toBe(204);
    expect((await t.api(`/api/v2/projects/${created.id}`)).status).toBe(404);
    expect((await send("DELETE", `/api/v2/projects/${created.id}`)).status).toBe(404);
    expect((await send("PATCH", `/api/v2/projects/${created.id}`, projectDoc({ name: "gone" }))).status).toBe(
      404,
    );
  });

  test("names are unique per organization", async () => {
    const org = await createOrganization();
    await createProject(org, "alpha");
    const err = await problem(
      await send("POST", `/api/v2/organizations/${org}/projects`, projectDoc({ name: "alpha" })),
      422,
    );
    expect(err.detail).toContain("has already been taken");
    expect(err.source?.pointer).toBe("/data/attributes/name");

    const beta = await createProject(org, "beta");
    const renamed = await problem(
      await send("PATCH", `/api/v2/projects/${beta.id}`, projectDoc({ name: "alpha" })),
      422,
    );
    expect(renamed.detail).toContain("has already been taken");

    // Another organization may use the same name.
    await createProject(await createOrganization(), "alpha");
  });

  test("names follow TFE's rules", async () => {
    const org = await createOrganization();
    const bad = await problem(
      await send("POST", `/api/v2/organizations/${org}/projects`, projectDoc({ name: "! / nope" })),
      422,
    );
    // go-tfe matches "invalid attribute\n\nName may only contain".
    expect(bad.title).toBe("invalid attribute");
    expect(bad.detail).toStartWith("Name may only contain");
    expect(bad.source?.pointer).toBe("/data/attributes/name");
    const long = await problem(
      await send("POST", `/api/v2/organizations/${org}/projects`, projectDoc({ name: "x".repeat(41) })),
      422,
    );
    expect(long.detail).toBe("Name is too long (maximum is 40 characters)");
    const missing = await problem(
      await send("POST", `/api/v2/organizations/${org}/projects`, projectDoc({})),
      422,
    );
    expect(missing.detail).toBe("Name is required");
    const spaced = await createProject(org, "with inner spaces");
    expect(spaced.attributes.name).toBe("with inner spaces");
  });

  test("a project reports the execution mode its workspaces inherit from the organization", async () => {
    const name = `org-${randomIdPart(8)}`;
    await ok(
      await send("POST", "/api/v2/organizations", {
        data: {
          type: "organizations",
          attributes: { name, email: `${name}@example.test`, "default-execution-mode": "local" },
        },
      }),
      201,
    );
    // go-tfe sends `false` overwrites to mean "inherit", which is what every project here does.
    const project = await createProject(name, "inheriting", {
      "setting-overwrites": { "default-execution-mode": false, "default-agent-pool": false },
    });
    expect(project.attributes["default-execution-mode"]).toBe("local");
    const ws = await createWorkspace(name, project.id);
    expect(ws.attributes["execution-mode"]).toBe("local");
  });

  test("settings Terrapod lacks are refused, not dropped", async () => {
    const org = await createOrganization();
    const err = await problem(
      await send(
        "POST",
        `/api/v2/organizations/${org}/projects`,
        projectDoc({ name: "agentish", "default-execution-mode": "agent" }),
      ),
      422,
    );
    expect(err.source?.pointer).toBe("/data/attributes/default-execution-mode");
    expect(await listNames(org, "filter[names]=agentish")).toEqual([]);
  });

  test("filter[names] matches exactly, q searches, pages are counted", async () => {
    const org = await createOrganization();
    for (const name of ["alpha", "alpha beta", "gamma", "Alphabet"]) await createProject(org, name);

    expect(await listNames(org, "filter[names]=alpha")).toEqual(["alpha"]);
    expect(await listNames(org, `filter[names]=${encodeURIComponent("alpha beta,gamma")}`)).toEqual([
      "alpha beta",
      "gamma",
    ]);
    expect(await listNames(org, "filter[names]=alph")).toEqual([]);
    expect(await listNames(org, "filter[names]=Default%20Project")).toEqual(["Default Project"]);
    expect((await listNames(org, "q=ALPHA")).sort()).toEqual(["Alphabet", "alpha", "alpha beta"].sort());
    expect(await listNames(org, "q=Default")).toEqual(["Default Project"]);
    expect(await listNames(org, "q=%25")).toEqual([]);

    const page = await ok<ListDoc>(
      await t.api(`/api/v2/organizations/${org}/projects?page[size]=2&page[number]=2`),
    );
    expect(page.data).toHaveLength(2);
    expect(page.meta?.pagination).toMatchObject({
      "current-page": 2,
      "total-pages": 3,
      "total-count": 5,
      "prev-page": 1,
      "next-page": 3,
    });
  });

  test("the CLI's cloud-block flow: look the project up by name, create it, create the workspace in it", async () => {
    const org = await createOrganization();
    const found = await ok<ListDoc>(
      await t.api(`/api/v2/organizations/${org}/projects?filter[names]=cli-made`),
    );
    expect(found.data).toEqual([]);
    const project = await createProject(org, "cli-made");
    const ws = await createWorkspace(org, project.id);
    expect(relatedId(ws, "project")).toBe(project.id);
    const again = await ok<ListDoc>(
      await t.api(`/api/v2/organizations/${org}/projects?filter[names]=cli-made`),
    );
    expect(again.data.map((p) => p.id)).toEqual([project.id]);
    expect(again.data[0]?.attributes["workspace-count"]).toBe(1);
  });
});

describe("workspaces and projects", () => {
  test("a workspace moves between projects; a project with workspaces cannot be deleted", async () => {
    const org = await createOrganization();
    const read = await ok<Doc>(await t.api(`/api/v2/organizations/${org}`));
    const defaultId = relatedId(read.data, "default-project") ?? "";
    const a = await createProject(org, "project-a");
    const b = await createProject(org, "project-b");
    const ws = await createWorkspace(org, a.id);
    expect(relatedId(ws, "project")).toBe(a.id);

    const blocked = await problem(await send("DELETE", `/api/v2/projects/${a.id}`), 409);
    expect(blocked.detail).toContain("still contains 1 workspace");

    const moved = await moveWorkspace(ws.id, b.id);
    expect(relatedId(moved, "project")).toBe(b.id);
    const inB = await ok<ListDoc>(
      await t.api(`/api/v2/organizations/${org}/workspaces?filter[project][id]=${b.id}`),
    );
    expect(inB.data.map((w) => w.id)).toEqual([ws.id]);
    const inA = await ok<ListDoc>(
      await t.api(`/api/v2/organizations/${org}/workspaces?filter[project][id]=${a.id}`),
    );
    expect(inA.data).toEqual([]);
    expect((await ok<Doc>(await t.api(`/api/v2/projects/${b.id}`))).data.attributes["workspace-count"]).toBe(
      1,
    );

    // include=project on workspace reads and lists.
    const withProject = await ok<Doc>(await t.api(`/api/v2/workspaces/${ws.id}?include=project`));
    expect(withProject.included?.map((r) => [r.type, r.id, r.attributes.name])).toEqual([
      ["projects", b.id, "project-b"],
    ]);
    const listed = await ok<ListDoc>(await t.api(`/api/v2/organizations/${org}/workspaces?include=project`));
    expect(listed.included?.map((r) => r.id)).toEqual([b.id]);

    expect((await send("DELETE", `/api/v2/projects/${a.id}`)).status).toBe(204);
    await moveWorkspace(ws.id, defaultId);
    expect((await send("DELETE", `/api/v2/projects/${b.id}`)).status).toBe(204);
    const after = await ok<Doc>(await t.api(`/api/v2/workspaces/${ws.id}`));
    expect(relatedId(after.data, "project")).toBe(defaultId);
  });

  test("a workspace cannot join another organization's project", async () => {
    const org = await createOrganization();
    const other = await createProject(await createOrganization(), "elsewhere");
    const ws = await createWorkspace(org);
    const res = await send("PATCH", `/api/v2/workspaces/${ws.id}`, {
      data: { type: "workspaces", relationships: { project: { data: { type: "projects", id: other.id } } } },
    });
    expect(res.status).toBe(422);
    const create = await send("POST", `/api/v2/organizations/${org}/workspaces`, {
      data: {
        type: "workspaces",
        attributes: { name: `ws-${randomIdPart(8)}` },
        relationships: { project: { data: { type: "projects", id: other.id } } },
      },
    });
    expect(create.status).toBe(422);
  });

  test("deleting a project drops its variable-set assignments", async () => {
    const org = await createOrganization();
    const project = await createProject(org, "with-varset");
    const set = await ok<Doc>(
      await send("POST", `/api/v2/organizations/${org}/varsets`, {
        data: {
          type: "varsets",
          attributes: { name: "applied", global: false },
          relationships: { projects: { data: [{ type: "projects", id: project.id }] } },
        },
      }),
      201,
    );
    expect((await send("DELETE", `/api/v2/projects/${project.id}`)).status).toBe(204);
    const after = await ok<Doc>(await t.api(`/api/v2/varsets/${set.data.id}`));
    expect(after.data.relationships?.projects?.data).toEqual([]);
  });
});

describe("access", () => {
  test("no token is 401", async () => {
    const org = await createOrganization();
    const project = await createProject(org, "guarded");
    expect((await send("GET", `/api/v2/organizations/${org}/projects`, undefined, null)).status).toBe(401);
    expect((await send("GET", `/api/v2/projects/${project.id}`, undefined, null)).status).toBe(401);
    expect(
      (await send("POST", `/api/v2/organizations/${org}/projects`, projectDoc({ name: "nope" }), null))
        .status,
    ).toBe(401);
    expect((await send("DELETE", `/api/v2/projects/${project.id}`, undefined, null)).status).toBe(401);
  });

  test("another organization's token sees nothing (404), its own organization's token manages projects", async () => {
    const org = await createOrganization();
    const project = await createProject(org, "private");
    const stranger = await organizationToken(await createOrganization());

    expect((await send("GET", `/api/v2/organizations/${org}/projects`, undefined, stranger)).status).toBe(
      404,
    );
    expect((await send("GET", `/api/v2/projects/${project.id}`, undefined, stranger)).status).toBe(404);
    const post = await send(
      "POST",
      `/api/v2/organizations/${org}/projects`,
      projectDoc({ name: "x-org" }),
      stranger,
    );
    expect(post.status).toBe(404);
    const patch = await send(
      "PATCH",
      `/api/v2/projects/${project.id}`,
      projectDoc({ name: "hijacked" }),
      stranger,
    );
    expect(patch.status).toBe(404);
    expect((await send("DELETE", `/api/v2/projects/${project.id}`, undefined, stranger)).status).toBe(404);
    expect((await ok<Doc>(await t.api(`/api/v2/projects/${project.id}`))).data.attributes.name).toBe(
      "private",
    );

    const own = await organizationToken(org);
    const made = await send(
      "POST",
      `/api/v2/organizations/${org}/projects`,
      projectDoc({ name: "by-token" }),
      own,
    );
    expect(made.status).toBe(201);
    const madeId = ((await made.json()) as Doc).data.id;
    expect((await send("GET", `/api/v2/projects/${project.id}`, undefined, own)).status).toBe(200);
    expect((await send("DELETE", `/api/v2/projects/${madeId}`, undefined, own)).status).toBe(204);
  });
});
