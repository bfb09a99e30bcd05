/**
 * `terraform_remote_state` with `backend "remote"` reads another workspace's outputs (tfe-protocol.md §3.4).
 */
import { expect } from "bun:test";
import { flatten, scenario } from "../lib/harness.ts";
import { remoteStateConfig, resourcesConfig } from "./fixtures.ts";

scenario("terraform_remote_state reads another workspace's outputs", async (t) => {
  const producer = t.workspace;
  await t.createWorkspace(producer, { "execution-mode": "local" });
  await t.writeFiles(
    { "main.tf": `${t.cloudBlock({ name: producer })}\n${resourcesConfig("delta")}` },
    "producer",
  );
  expect((await t.run(["init", "-input=false"], { cwd: "producer" })).code).toBe(0);
  expect((await t.run(["apply", "-auto-approve", "-input=false"], { cwd: "producer" })).code).toBe(0);

  // The consumer keeps its own state locally and reads the producer through the remote backend.
  await t.writeFiles({ "main.tf": remoteStateConfig(t.hostname, t.organization, producer) }, "consumer");
  expect((await t.run(["init", "-input=false"], { cwd: "consumer" })).code).toBe(0);
  const applied = await t.run(["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: "consumer" });
  expect(applied.code).toBe(0);

  const copied = await t.run(["output", "-json"], { cwd: "consumer" });
  expect(copied.code).toBe(0);
  const outputs = JSON.parse(copied.stdout) as Record<string, { value: unknown }>;
  expect(outputs.copied_greeting?.value).toBe("hello-delta");
  expect(outputs.copied_pair?.value).toEqual(["delta", "beta"]);
});

scenario("terraform_remote_state of a workspace without state fails clearly", async (t) => {
  const producer = t.workspace;
  await t.createWorkspace(producer, { "execution-mode": "local" });
  await t.writeFiles({ "main.tf": remoteStateConfig(t.hostname, t.organization, producer) }, "consumer");
  expect((await t.run(["init", "-input=false"], { cwd: "consumer" })).code).toBe(0);

  // No current state version (404): the data source reports that no state is stored, not a crash.
  const applied = await t.run(["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: "consumer" });
  expect(applied.code).toBe(1);
  expect(flatten(applied.stderr)).toContain(
    "Unable to find remote state with data.terraform_remote_state.producer",
  );
  expect(flatten(applied.stderr)).toContain("No stored state was found for the given workspace");
  expect(applied.stderr).not.toMatch(/panic|crash/i);
});
