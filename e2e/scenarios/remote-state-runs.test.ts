/**
 * `terraform_remote_state` inside a remote run: the runner gives the engine a read-only run token for the
 * server's hosts (a `credentials` block in its CLI configuration), which reads the state of workspaces
 * that share theirs (`global-remote-state`, or the run's workspace among their remote state consumers)
 * and nothing else. The engine trusts the throwaway CA through a workspace variable `SSL_CERT_FILE`
 * naming a copy of it in the configuration (relative: the engine runs in the configuration's directory).
 */
import { expect } from "bun:test";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { collectionOf, expectOk, type JsonApiResource } from "../lib/api.ts";
import { flatten, type ScenarioContext, scenario } from "../lib/harness.ts";
import { remoteStateConfig, resourcesConfig } from "./fixtures.ts";

/** A workspace whose engine is this test's CLI build. */
function workspaceOfThisCli(t: ScenarioContext, name: string, attributes: Record<string, unknown> = {}) {
  return t.createWorkspace(name, { engine: t.cli.name, "terraform-version": t.cli.version, ...attributes });
}

/** A local-execution workspace with outputs `greeting` = hello-<input>, `pair` and a sensitive `secret`. */
async function producer(
  t: ScenarioContext,
  name: string,
  input: string,
  attributes: Record<string, unknown>,
) {
  const ws = await workspaceOfThisCli(t, name, { "execution-mode": "local", ...attributes });
  await t.writeFiles({ "main.tf": `${t.cloudBlock({ name })}\n${resourcesConfig(input)}` }, name);
  expect((await t.run(["init", "-input=false"], { cwd: name })).code).toBe(0);
  expect((await t.run(["apply", "-auto-approve", "-input=false"], { cwd: name })).code).toBe(0);
  return ws;
}

/** A remote-execution workspace whose configuration reads `source` through terraform_remote_state. */
async function consumer(t: ScenarioContext, name: string, source: string): Promise<JsonApiResource> {
  const ws = await workspaceOfThisCli(t, name);
  expectOk(
    await t.api.post(`/api/v2/workspaces/${ws.id}/vars`, {
      data: { type: "vars", attributes: { key: "SSL_CERT_FILE", value: "ca.pem", category: "env" } },
    }),
    [201],
  );
  // The harness's throwaway CA (harness.ts: `<dir>/certs/ca.pem`).
  const ca = await readFile(join(t.dir, "certs", "ca.pem"), "utf8");
  const config = `${t.cloudBlock({ name })}\n${remoteStateConfig(t.hostname, t.organization, source)}`;
  await t.writeFiles({ "main.tf": config, "ca.pem": ca }, name);
  expect((await t.run(["init", "-input=false", "-no-color"], { cwd: name })).code).toBe(0);
  return ws;
}

const applyIn = (t: ScenarioContext, cwd: string) =>
  t.run(["apply", "-auto-approve", "-input=false", "-no-color"], { cwd });

async function outputsOf(t: ScenarioContext, workspaceId: string): Promise<Map<unknown, unknown>> {
  const res = expectOk(await t.api.get(`/api/v2/workspaces/${workspaceId}/current-state-version-outputs`));
  return new Map(collectionOf(res).map((o) => [o.attributes.name, o.attributes.value]));
}

scenario("terraform_remote_state in a remote run reads a workspace that shares its state", async (t) => {
  const source = t.uniqueName("shared");
  await producer(t, source, "delta", { "global-remote-state": true });
  const reader = t.uniqueName("reader");
  const ws = await consumer(t, reader, source);

  const applied = await applyIn(t, reader);
  expect(applied.code).toBe(0);
  expect(applied.stdout).toContain("Apply complete!");
  const outputs = await outputsOf(t, ws.id);
  expect(outputs.get("copied_greeting")).toBe("hello-delta");
  expect(outputs.get("copied_pair")).toEqual(["delta", "beta"]);
});

scenario(
  "terraform_remote_state in a remote run cannot read a workspace that does not share its state",
  async (t) => {
    const source = t.uniqueName("private");
    const sourceWs = await producer(t, source, "echo", {});
    const reader = t.uniqueName("reader");
    const ws = await consumer(t, reader, source);

    // Not shared: to the run's engine the workspace does not exist (and it may not create one).
    const refused = await applyIn(t, reader);
    expect(refused.code).not.toBe(0);
    const said = flatten(`${refused.stdout}\n${refused.stderr}`);
    expect(said).toContain("error loading the remote state");
    expect(said).not.toContain("hello-echo");
    expect(said).not.toMatch(/panic|crash/i);
    expect((await t.api.get(`/api/v2/workspaces/${ws.id}/current-state-version`)).status).toBe(404);

    // Its owners add the reader to its remote state consumers: the next run reads it.
    expectOk(
      await t.api.post(`/api/v2/workspaces/${sourceWs.id}/relationships/remote-state-consumers`, {
        data: [{ type: "workspaces", id: ws.id }],
      }),
      [204],
    );
    const applied = await applyIn(t, reader);
    expect(applied.code).toBe(0);
    expect((await outputsOf(t, ws.id)).get("copied_greeting")).toBe("hello-echo");
  },
);
