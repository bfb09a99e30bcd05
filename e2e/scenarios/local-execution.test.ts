/**
 * Local execution with the state kept in Terrapod (tfe-protocol.md §4, §6): apply, destroy, state
 * list/pull/push, outputs through the API, and locks.
 */
import { expect } from "bun:test";
import { collectionOf, currentState, expectOk, readWorkspace } from "../lib/api.ts";
import { flatten, type ScenarioContext, scenario } from "../lib/harness.ts";
import { initialized, resourcesConfig } from "./fixtures.ts";

/** A local-execution workspace with the resources config, initialized. Returns the workspace id. */
async function initLocalWorkspace(t: ScenarioContext, input = "alpha"): Promise<string> {
  const ws = await t.createWorkspace(t.workspace, { "execution-mode": "local" });
  await t.writeFiles({
    "main.tf": `${t.cloudBlock({ name: t.workspace })}\n${resourcesConfig(input)}`,
  });
  const init = await t.run(["init", "-input=false"]);
  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(initialized);
  return ws.id;
}

async function apply(t: ScenarioContext, extra: readonly string[] = []) {
  return t.run(["apply", "-auto-approve", "-input=false", "-no-color", ...extra]);
}

scenario("apply and destroy in local execution mode keep the state in Terrapod", async (t) => {
  const wsId = await initLocalWorkspace(t);

  const applied = await apply(t);
  expect(applied.code).toBe(0);
  expect(applied.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");

  const afterApply = await currentState(t.api, wsId);
  expect(afterApply.state.resources?.map((r) => `${r.type}.${r.name}`).sort()).toEqual([
    "terraform_data.first",
    "terraform_data.second",
  ]);
  expect(afterApply.state.outputs?.greeting?.value).toBe("hello-alpha");
  expect(afterApply.version.attributes.serial).toBe(afterApply.state.serial);
  expect(afterApply.version.attributes.lineage).toBe(afterApply.state.lineage);
  // The CLI unlocked the workspace after writing the state.
  expect((await readWorkspace(t.api, t.organization, t.workspace)).attributes.locked).toBe(false);

  const destroyed = await t.run(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  expect(destroyed.code).toBe(0);
  expect(destroyed.stdout).toContain("Destroy complete! Resources: 2 destroyed.");

  const afterDestroy = await currentState(t.api, wsId);
  expect(afterDestroy.state.resources ?? []).toEqual([]);
  expect(afterDestroy.state.serial).toBeGreaterThan(afterApply.state.serial);
  expect(afterDestroy.state.lineage).toBe(afterApply.state.lineage);
  expect(afterDestroy.version.id).not.toBe(afterApply.version.id);
});

scenario("state list shows what apply stored", async (t) => {
  await initLocalWorkspace(t);
  expect((await apply(t)).code).toBe(0);

  const list = await t.run(["state", "list"]);

  expect(list.code).toBe(0);
  expect(list.stdout.trim().split("\n").sort()).toEqual(["terraform_data.first", "terraform_data.second"]);
});

scenario("state pull returns the stored state", async (t) => {
  const wsId = await initLocalWorkspace(t);
  expect((await apply(t)).code).toBe(0);

  const pull = await t.run(["state", "pull"]);

  expect(pull.code).toBe(0);
  const pulled = JSON.parse(pull.stdout) as { serial: number; lineage: string; outputs: object };
  const stored = await currentState(t.api, wsId);
  expect(pulled.serial).toBe(stored.state.serial);
  expect(pulled.lineage).toBe(stored.state.lineage);
  expect(pulled.outputs).toEqual(stored.state.outputs ?? {});
});

scenario("state push stores a newer serial and refuses a stale one", async (t) => {
  const wsId = await initLocalWorkspace(t);
  expect((await apply(t)).code).toBe(0);
  const pull = await t.run(["state", "pull"]);
  expect(pull.code).toBe(0);
  const original = JSON.parse(pull.stdout) as { serial: number; outputs: Record<string, { value: unknown }> };

  // A newer serial with a changed output value is accepted and becomes the current state.
  const newer = structuredClone(original);
  newer.serial = original.serial + 5;
  const greeting = newer.outputs.greeting;
  if (!greeting) throw new Error("the pulled state has no greeting output");
  greeting.value = "pushed";
  await t.writeFiles({ "newer.tfstate": JSON.stringify(newer), "stale.tfstate": pull.stdout });
  const push = await t.run(["state", "push", "newer.tfstate"]);
  expect(push.code).toBe(0);
  const stored = await currentState(t.api, wsId);
  // The CLI writes the pushed file's serial or, since the content differs, the next one.
  expect(stored.state.serial).toBeGreaterThanOrEqual(original.serial + 5);
  expect(stored.state.serial).toBeLessThanOrEqual(original.serial + 6);
  expect(stored.state.outputs?.greeting?.value).toBe("pushed");
  expect(stored.version.attributes.serial).toBe(stored.state.serial);

  // The file pulled before is now stale (lower serial): the CLI refuses it and nothing changes.
  const stale = await t.run(["state", "push", "stale.tfstate"]);
  expect(stale.code).toBe(1);
  // tofu 1.12 words the heading differently ("Failed to write the imported state").
  expect(flatten(stale.stderr)).toMatch(
    /Failed to write (state:|the imported state) cannot import state with serial \d+ over newer state with serial \d+/,
  );
  const after = await currentState(t.api, wsId);
  expect(after.version.id).toBe(stored.version.id);
  expect((await readWorkspace(t.api, t.organization, t.workspace)).attributes.locked).toBe(false);
});

scenario("outputs are visible through the API after apply", async (t) => {
  const wsId = await initLocalWorkspace(t, "gamma");
  expect((await apply(t)).code).toBe(0);

  const outputs = collectionOf(
    expectOk(await t.api.get(`/api/v2/workspaces/${wsId}/current-state-version-outputs`)),
  );
  const byName = new Map(outputs.map((o) => [o.attributes.name, o]));
  expect([...byName.keys()].sort()).toEqual(["greeting", "pair", "secret"]);
  expect(byName.get("greeting")?.type).toBe("state-version-outputs");
  expect(byName.get("greeting")?.attributes.value).toBe("hello-gamma");
  expect(byName.get("greeting")?.attributes["detailed-type"]).toBe("string");
  expect(byName.get("pair")?.attributes.value).toEqual(["gamma", "beta"]);
  expect(byName.get("pair")?.attributes["detailed-type"]).toEqual(["tuple", ["string", "string"]]);
  expect(byName.get("secret")?.attributes.sensitive).toBe(true);
  // TFE leaves sensitive values out of the list; the CLI reads them one by one (tfe-protocol.md §4.5).
  expect(byName.get("secret")?.attributes.value).toBeNull();

  // The CLI's `output` reads the same endpoints.
  const greeting = await t.run(["output", "-raw", "greeting"]);
  expect(greeting.code).toBe(0);
  expect(greeting.stdout).toBe("hello-gamma");
  const secret = await t.run(["output", "-raw", "secret"]);
  expect(secret.code).toBe(0);
  expect(secret.stdout).toBe("s3cr3t-gamma");
});

scenario("a lock taken through the API stops apply until force-unlock releases it", async (t) => {
  const wsId = await initLocalWorkspace(t);
  expectOk(await t.api.post(`/api/v2/workspaces/${wsId}/actions/lock`, { reason: "held by the e2e test" }));

  const blocked = await apply(t);
  expect(blocked.code).toBe(1);
  const text = flatten(blocked.stderr);
  expect(text).toContain("Error acquiring the state lock");
  expect(text).toContain(`workspace already locked (lock ID: "${t.organization}/${t.workspace}")`);
  expect((await t.api.get(`/api/v2/workspaces/${wsId}/current-state-version`)).status).toBe(404);
  expect((await readWorkspace(t.api, t.organization, t.workspace)).attributes.locked).toBe(true);

  const unlock = await t.run(["force-unlock", "-force", `${t.organization}/${t.workspace}`]);
  expect(unlock.code).toBe(0);
  expect(unlock.stdout).toMatch(/state has been successfully unlocked/);
  expect((await readWorkspace(t.api, t.organization, t.workspace)).attributes.locked).toBe(false);

  const applied = await apply(t);
  expect(applied.code).toBe(0);
  expect(applied.stdout).toContain("Apply complete! Resources: 2 added");
});

scenario("force-unlock with another lock ID is refused by the CLI", async (t) => {
  const wsId = await initLocalWorkspace(t);
  expectOk(await t.api.post(`/api/v2/workspaces/${wsId}/actions/lock`, { reason: "held by the e2e test" }));

  const wrong = await t.run(["force-unlock", "-force", "some-other-lock-id"]);

  expect(wrong.code).toBe(1);
  expect(flatten(wrong.stderr)).toContain(
    `lock ID "some-other-lock-id" does not match existing lock ID "${t.organization}/${t.workspace}"`,
  );
  expect((await readWorkspace(t.api, t.organization, t.workspace)).attributes.locked).toBe(true);
});
