/**
 * CLI workspaces mapped onto Terrapod workspaces by tags and by name (tfe-protocol.md §3.1, §7).
 */
import { expect } from "bun:test";
import { currentState, readWorkspace } from "../lib/api.ts";
import { flatten, scenario } from "../lib/harness.ts";
import { initialized, resourcesConfig } from "./fixtures.ts";

/** `workspace list` output as names, the current one first in the tuple. */
function parseList(stdout: string): { current: string | undefined; names: string[] } {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  const current = lines
    .find((l) => l.trimStart().startsWith("*"))
    ?.replace("*", "")
    .trim();
  return { current, names: lines.map((l) => l.replace("*", "").trim()).sort() };
}

scenario("workspaces selected by tags: init, list, new and select", async (t) => {
  const tag = t.uniqueName("app");
  const prefix = t.uniqueName("tagged");
  const [a, b] = [`${prefix}-a`, `${prefix}-b`];
  const untagged = `${prefix}-untagged`;
  await t.createWorkspace(a, { "execution-mode": "local" }, [tag]);
  await t.createWorkspace(b, { "execution-mode": "local" }, [tag, "other"]);
  await t.createWorkspace(untagged, { "execution-mode": "local" }, ["other"]);
  await t.writeFiles({ "main.tf": `${t.cloudBlock({ tags: [tag] })}\n${resourcesConfig()}` });

  // No workspace selected yet: init lists the tagged ones and reads the choice from stdin.
  const init = await t.run(["init"], { stdin: "1\n" });
  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(initialized);
  expect(init.stdout).toContain(a);
  expect(init.stdout).toContain(b);
  expect(init.stdout).not.toContain(untagged);

  const listed = await t.run(["workspace", "list"]);
  expect(listed.code).toBe(0);
  expect(parseList(listed.stdout)).toEqual({ current: a, names: [a, b] });

  // `workspace new` creates a Terrapod workspace carrying the tag.
  const created = `${prefix}-new`;
  const made = await t.run(["workspace", "new", created]);
  expect(made.code).toBe(0);
  const ws = await readWorkspace(t.api, t.organization, created);
  expect(ws.attributes["tag-names"]).toContain(tag);
  const show = await t.run(["workspace", "show"]);
  expect(show.stdout.trim()).toBe(created);

  const selected = await t.run(["workspace", "select", b]);
  expect(selected.code).toBe(0);
  expect((await t.run(["workspace", "show"])).stdout.trim()).toBe(b);
  expect(parseList((await t.run(["workspace", "list"])).stdout)).toEqual({
    current: b,
    names: [a, b, created].sort(),
  });

  // An untagged workspace is not among the choices.
  const refused = await t.run(["workspace", "select", untagged]);
  expect(refused.code).toBe(1);
  expect(flatten(refused.stderr)).toContain(`Workspace "${untagged}" doesn't exist`);

  // The state of an apply lands in the selected workspace only.
  const applied = await t.run(["apply", "-auto-approve", "-input=false"]);
  expect(applied.code).toBe(0);
  const wsB = await readWorkspace(t.api, t.organization, b);
  expect((await currentState(t.api, wsB.id)).state.outputs?.greeting?.value).toBe("hello-alpha");
  const wsA = await readWorkspace(t.api, t.organization, a);
  expect((await t.api.get(`/api/v2/workspaces/${wsA.id}/current-state-version`)).status).toBe(404);

  // `workspace delete`: an empty workspace goes (through safe-delete); one with resources only with -force.
  expect((await t.run(["workspace", "select", a])).code).toBe(0);
  const deleted = await t.run(["workspace", "delete", created]);
  expect(deleted.code).toBe(0);
  expect((await t.api.get(`/api/v2/organizations/${t.organization}/workspaces/${created}`)).status).toBe(404);
  const kept = await t.run(["workspace", "delete", b]);
  expect(kept.code).toBe(1);
  expect((await t.api.get(`/api/v2/organizations/${t.organization}/workspaces/${b}`)).status).toBe(200);
  const forced = await t.run(["workspace", "delete", "-force", b]);
  expect(forced.code).toBe(0);
  expect((await t.api.get(`/api/v2/organizations/${t.organization}/workspaces/${b}`)).status).toBe(404);
});

scenario(
  'backend "remote" with a workspace prefix: init, list and new map onto prefixed workspaces',
  async (t) => {
    const prefix = `${t.uniqueName("svc")}-`;
    await t.createWorkspace(`${prefix}dev`, { "execution-mode": "local" });
    await t.createWorkspace(`${prefix}prod`, { "execution-mode": "local" });
    await t.createWorkspace(t.uniqueName("unrelated"), { "execution-mode": "local" });
    await t.writeFiles({
      "main.tf": `terraform {
  backend "remote" {
    hostname     = "${t.hostname}"
    organization = "${t.organization}"
    workspaces { prefix = "${prefix}" }
  }
}
${resourcesConfig()}`,
    });
    // Several workspaces match the prefix: init asks which one (the choice comes from stdin).
    const init = await t.run(["init"], { stdin: "1\n" });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Successfully configured the backend "remote"');
    expect(init.stdout).toContain("1. dev");
    const listed = parseList((await t.run(["workspace", "list"])).stdout);
    expect(listed.names).toEqual(["dev", "prod"]);
    const made = await t.run(["workspace", "new", "staging"]);
    expect(made.code).toBe(0);
    expect((await readWorkspace(t.api, t.organization, `${prefix}staging`)).attributes.name).toBe(
      `${prefix}staging`,
    );
    const applied = await t.run(["apply", "-auto-approve", "-input=false"]);
    expect(applied.code).toBe(0);
    const staging = await readWorkspace(t.api, t.organization, `${prefix}staging`);
    expect((await currentState(t.api, staging.id)).state.outputs?.greeting?.value).toBe("hello-alpha");
  },
);

scenario("a workspace selected by name is the only CLI workspace", async (t) => {
  await t.createWorkspace(t.workspace, { "execution-mode": "local" });
  await t.writeFiles({ "main.tf": t.cloudBlock({ name: t.workspace }) });
  expect((await t.run(["init", "-input=false"])).code).toBe(0);

  const listed = await t.run(["workspace", "list"]);
  expect(listed.code).toBe(0);
  expect(parseList(listed.stdout)).toEqual({ current: t.workspace, names: [t.workspace] });
  expect((await t.run(["workspace", "show"])).stdout.trim()).toBe(t.workspace);

  // The name strategy maps exactly one workspace: the CLI refuses to make another.
  const other = t.uniqueName("other");
  const made = await t.run(["workspace", "new", other]);
  expect(made.code).toBe(1);
  expect(flatten(made.stderr)).toMatch(/workspaces not supported|does not support/i);
  expect((await t.api.get(`/api/v2/organizations/${t.organization}/workspaces/${other}`)).status).toBe(404);
});
