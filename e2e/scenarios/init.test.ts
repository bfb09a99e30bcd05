/**
 * Discovery, ping and the workspace lookup of `init` with a `cloud` block (tfe-protocol.md §1, §3).
 */
import { expect } from "bun:test";
import { expectOk, readWorkspace } from "../lib/api.ts";
import { flatten, scenario } from "../lib/harness.ts";
import { initialized } from "./fixtures.ts";

scenario("init reaches an existing workspace", async (t) => {
  const ws = await t.createWorkspace(t.workspace, { "execution-mode": "local" });
  await t.writeFiles({ "main.tf": t.cloudBlock({ name: t.workspace }) });

  const init = await t.run(["init", "-input=false"]);

  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(initialized);
  // The same workspace (no second one created), still without state.
  expect((await readWorkspace(t.api, t.organization, t.workspace)).id).toBe(ws.id);
  expect((await t.api.get(`/api/v2/workspaces/${ws.id}/current-state-version`)).status).toBe(404);
});

scenario("init creates a missing workspace and records the CLI version", async (t) => {
  expect((await t.api.get(`/api/v2/organizations/${t.organization}/workspaces/${t.workspace}`)).status).toBe(
    404,
  );
  await t.writeFiles({ "main.tf": t.cloudBlock({ name: t.workspace }) });

  const init = await t.run(["init", "-input=false"]);

  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(initialized);
  const ws = await readWorkspace(t.api, t.organization, t.workspace);
  expect(ws.attributes.name).toBe(t.workspace);
  // After creating it the CLI sets the workspace's version to its own (PATCH terraform-version).
  expect(ws.attributes["terraform-version"]).toBe(t.cli.version);
});

scenario("init against an unknown organization fails with the CLI's error", async (t) => {
  const missing = t.uniqueName("no-such-org");
  await t.writeFiles({ "main.tf": t.cloudBlock({ name: t.workspace }, missing) });

  const init = await t.run(["init", "-input=false"]);

  expect(init.code).toBe(1);
  const text = flatten(init.stderr);
  expect(text).toContain(`organization "${missing}" at host ${t.hostname} not found`);
  expect(text).not.toMatch(/panic|crash/i);
  // Nothing was created anywhere.
  expect((await t.api.get(`/api/v2/organizations/${missing}`)).status).toBe(404);
});

scenario("init with a token the server does not know fails as unauthorized", async (t) => {
  await t.writeFiles({ "main.tf": t.cloudBlock({ name: t.workspace }) });
  const config = await t.writeFiles(
    { "bad.tfrc": `credentials "${t.hostname}" {\n  token = "not-a-terrapod-token"\n}\n` },
    "other-cli-config",
  );

  const init = await t.run(["init", "-input=false"], {
    env: { TF_CLI_CONFIG_FILE: `${config}/bad.tfrc` },
  });

  expect(init.code).toBe(1);
  expect(flatten(init.stderr)).toMatch(/unauthorized/i);
  expect(flatten(init.stderr)).not.toMatch(/panic|crash/i);
  expectOk(await t.api.get(`/api/v2/organizations/${t.organization}`));
  expect((await t.api.get(`/api/v2/organizations/${t.organization}/workspaces/${t.workspace}`)).status).toBe(
    404,
  );
});
