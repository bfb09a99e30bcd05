/**
 * Remote execution (tfe-protocol.md §5): the CLI uploads the configuration, Terrapod runs the plan and
 * apply with the workspace's engine (the same CLI build, via apps/runner) and the CLI streams the logs.
 * Plans, applies confirmed through stdin or -auto-approve, destroy, workspace variables and secrets,
 * -target/-replace/-refresh-only, the per-workspace queue, Ctrl-C, auto-apply workspaces, run history,
 * and `backend "remote"`.
 */
import { expect } from "bun:test";
import {
  collectionOf,
  currentState,
  expectOk,
  type JsonApiResource,
  readWorkspace,
  resourceOf,
} from "../lib/api.ts";
import type { CliResult, RunningCli } from "../lib/cli.ts";
import { flatten, type ScenarioContext, scenario } from "../lib/harness.ts";
import {
  expectNotFound,
  readApply,
  readLog,
  readPlan,
  readRun,
  relatedId,
  runEvents,
  runIdIn,
  statusOf,
  waitFor,
  workspaceRuns,
} from "../lib/runs.ts";
import { initialized, resourcesConfig } from "./fixtures.ts";

/** A cancel reaches the runner with its next heartbeat: beat every second so Ctrl-C takes effect quickly. */
const fastHeartbeat = { TERRAPOD_RUNNER_HEARTBEAT_SECONDS: "1" };

/** A workspace (remote execution, the default) that runs this test's CLI build as its engine. */
async function remoteWorkspace(t: ScenarioContext, attributes: Record<string, unknown> = {}) {
  return t.createWorkspace(t.workspace, {
    engine: t.cli.name,
    "terraform-version": t.cli.version,
    ...attributes,
  });
}

/** Writes `main.tf` (cloud block + `config`) into `subdir` and runs init there. */
async function initCloud(t: ScenarioContext, config: string, subdir = "main"): Promise<void> {
  await t.writeFiles({ "main.tf": `${t.cloudBlock({ name: t.workspace })}\n${config}` }, subdir);
  const init = await t.run(["init", "-input=false", "-no-color"], { cwd: subdir });
  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(initialized);
}

/** A `terraform { backend "remote" { … } }` block for this server, organization and workspace. */
function remoteBackendBlock(t: ScenarioContext): string {
  return [
    "terraform {",
    '  backend "remote" {',
    `    hostname     = "${t.hostname}"`,
    `    organization = "${t.organization}"`,
    "    workspaces {",
    `      name = "${t.workspace}"`,
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");
}

async function initRemoteBackend(t: ScenarioContext, config: string, subdir = "main"): Promise<void> {
  await t.writeFiles({ "main.tf": `${remoteBackendBlock(t)}\n${config}` }, subdir);
  const init = await t.run(["init", "-input=false", "-no-color"], { cwd: subdir });
  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(/(Terraform|OpenTofu) has been successfully initialized/);
}

/** Starts `apply`, answers the confirmation prompt with `answer`, and waits for the CLI to end. */
async function applyAnswering(
  t: ScenarioContext,
  answer: string,
  args: readonly string[] = [],
  cwd = "main",
): Promise<CliResult> {
  const cli = t.start(["apply", "-no-color", ...args], { stdin: "interactive", cwd });
  await cli.waitForOutput(/Enter a value:/);
  cli.write(`${answer}\n`);
  return cli.result;
}

function autoApprove(t: ScenarioContext, args: readonly string[] = [], cwd = "main") {
  return t.run(["apply", "-auto-approve", "-input=false", "-no-color", ...args], { cwd });
}

/** The values of the workspace's current outputs (through the API), by name. */
async function outputsByName(t: ScenarioContext, workspaceId: string): Promise<Map<unknown, unknown>> {
  const outputs = collectionOf(
    expectOk(await t.api.get(`/api/v2/workspaces/${workspaceId}/current-state-version-outputs`)),
  );
  return new Map(outputs.map((o) => [o.attributes.name, o.attributes.value]));
}

/** The `id` attribute of a single-instance resource in the workspace's current state. */
async function resourceId(t: ScenarioContext, workspaceId: string, name: string): Promise<string> {
  const { state } = await currentState(t.api, workspaceId);
  const resource = state.resources?.find((r) => r.name === name) as
    | { readonly instances?: readonly { readonly attributes?: { readonly id?: unknown } }[] }
    | undefined;
  const id = resource?.instances?.[0]?.attributes?.id;
  if (typeof id !== "string") throw new Error(`no ${name} resource with an id in the state`);
  return id;
}

async function isLocked(t: ScenarioContext): Promise<boolean> {
  return (await readWorkspace(t.api, t.organization, t.workspace)).attributes.locked === true;
}

/** Calls `probe` every 100 ms while `cli` runs; returns what it saw. */
async function observeWhileRunning<T>(cli: RunningCli, probe: () => Promise<T>): Promise<T[]> {
  let running = true;
  void cli.result.finally(() => {
    running = false;
  });
  const seen: T[] = [];
  while (running) {
    seen.push(await probe());
    await Bun.sleep(100);
  }
  return seen;
}

/** The actions of a run's events (through its run-events link), checked for shape and order. */
async function eventActions(t: ScenarioContext, run: JsonApiResource): Promise<string[]> {
  const events = await runEvents(t.api, run);
  for (const e of events) {
    expect(e.type).toBe("run-events");
    expect(e.attributes.description).toBeString();
  }
  const times = events.map((e) => Date.parse(String(e.attributes["created-at"])));
  expect(times.every((time) => !Number.isNaN(time))).toBe(true);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  return events.map((e) => String(e.attributes.action));
}

const activeStatuses = new Set([
  "pending",
  "plan_queued",
  "planning",
  "planned",
  "confirmed",
  "apply_queued",
  "applying",
]);

// ---------------------------------------------------------------------------------------------------

scenario("a remote plan streams its log, is speculative and never locks the workspace", async (t) => {
  const ws = await remoteWorkspace(t);
  await initCloud(t, resourcesConfig());

  const cli = t.start(["plan", "-input=false", "-no-color"]);
  const seen = await observeWhileRunning(cli, async () => {
    const runs = await workspaceRuns(t.api, ws.id);
    return { locked: await isLocked(t), status: runs[0] ? statusOf(runs[0]) : undefined };
  });
  const plan = await cli.result;

  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
  expect(plan.stdout).toContain("# terraform_data.first will be created");
  // The run was seen queued or running, and the workspace was never locked meanwhile.
  expect(seen.some((s) => s.status !== undefined && activeStatuses.has(s.status))).toBe(true);
  expect(seen.filter((s) => s.locked)).toEqual([]);
  expect(await isLocked(t)).toBe(false);

  const run = await readRun(t.api, runIdIn(plan.stdout));
  expect(run.attributes).toMatchObject({
    status: "planned_and_finished",
    "plan-only": true,
    "has-changes": true,
    "is-destroy": false,
    engine: t.cli.name,
    "terraform-version": t.cli.version,
  });
  expect(run.attributes.actions).toEqual({
    "is-cancelable": false,
    "is-confirmable": false,
    "is-discardable": false,
    "is-force-cancelable": false,
  });
  const cv = resourceOf(
    expectOk(await t.api.get(`/api/v2/configuration-versions/${relatedId(run, "configuration-version")}`)),
  );
  expect(cv.attributes.speculative).toBe(true);
  const planDoc = await readPlan(t.api, run);
  expect(planDoc.attributes).toMatchObject({
    status: "finished",
    "has-changes": true,
    "resource-additions": 2,
  });
  expect(await readLog(t.api, planDoc)).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
  const events = await eventActions(t, run);
  expect(events).toContain("planning");
  expect(events.at(-1)).toBe("planned_and_finished");
  // A speculative plan writes no state.
  await expectNotFound(t.api, `/api/v2/workspaces/${ws.id}/current-state-version`);
});

scenario(
  "apply confirmed, apply -auto-approve, apply discarded, destroy: state per run, history newest first",
  async (t) => {
    const ws = await remoteWorkspace(t);
    await initCloud(t, resourcesConfig("alpha"));

    // 1. Interactive confirmation.
    const first = await applyAnswering(t, "yes");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Do you want to perform these actions in workspace "${t.workspace}"?`);
    expect(first.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
    expect(first.stdout).toContain('greeting = "hello-alpha"');
    const firstRun = await readRun(t.api, runIdIn(first.stdout));
    expect(firstRun.attributes).toMatchObject({ status: "applied", "auto-apply": false, "plan-only": false });
    expect((await readApply(t.api, firstRun)).attributes).toMatchObject({
      status: "finished",
      "resource-additions": 2,
    });
    const afterFirst = await currentState(t.api, ws.id);
    expect(relatedId(afterFirst.version, "run")).toBe(firstRun.id);
    expect(afterFirst.state.resources?.map((r) => `${r.type}.${r.name}`).sort()).toEqual([
      "terraform_data.first",
      "terraform_data.second",
    ]);
    const outputs = await outputsByName(t, ws.id);
    expect(outputs.get("greeting")).toBe("hello-alpha");
    expect(outputs.get("pair")).toEqual(["alpha", "beta"]);
    expect(await isLocked(t)).toBe(false);

    // 2. -auto-approve: the server confirms by itself.
    await t.writeFiles({ "main.tf": `${t.cloudBlock({ name: t.workspace })}\n${resourcesConfig("gamma")}` });
    const second = await autoApprove(t);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain("Do you want to perform these actions");
    expect(second.stdout).toContain("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.");
    const secondRun = await readRun(t.api, runIdIn(second.stdout));
    expect(secondRun.id).not.toBe(firstRun.id);
    expect(secondRun.attributes).toMatchObject({ status: "applied", "auto-apply": true });
    const afterSecond = await currentState(t.api, ws.id);
    expect(relatedId(afterSecond.version, "run")).toBe(secondRun.id);
    expect(afterSecond.state.serial).toBeGreaterThan(afterFirst.state.serial);
    expect(afterSecond.state.lineage).toBe(afterFirst.state.lineage);
    expect((await outputsByName(t, ws.id)).get("greeting")).toBe("hello-gamma");

    // 3. Any answer but yes discards the run; the state stays as it was.
    await t.writeFiles({ "main.tf": `${t.cloudBlock({ name: t.workspace })}\n${resourcesConfig("omega")}` });
    const discarded = await applyAnswering(t, "no");
    expect(discarded.code).toBe(1);
    expect(flatten(discarded.stderr)).toContain("Apply discarded.");
    expect(statusOf(await readRun(t.api, runIdIn(discarded.stdout)))).toBe("discarded");
    expect((await currentState(t.api, ws.id)).version.id).toBe(afterSecond.version.id);
    expect(await isLocked(t)).toBe(false);

    // 4. destroy -auto-approve.
    const destroy = await t.run(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    expect(destroy.code).toBe(0);
    // The runner applies the saved destroy plan, so the engine reports it as an apply (as in TFE).
    expect(destroy.stdout).toContain("Apply complete! Resources: 0 added, 0 changed, 2 destroyed.");
    const destroyRun = await readRun(t.api, runIdIn(destroy.stdout));
    expect(destroyRun.attributes).toMatchObject({ status: "applied", "is-destroy": true });
    const afterDestroy = await currentState(t.api, ws.id);
    expect(relatedId(afterDestroy.version, "run")).toBe(destroyRun.id);
    expect(afterDestroy.state.resources ?? []).toEqual([]);
    expect(await isLocked(t)).toBe(false);

    // 5. The run history: newest first, each run with its status and its events.
    const runs = await workspaceRuns(t.api, ws.id);
    expect(runs.map((r) => [r.id, statusOf(r)])).toEqual([
      [destroyRun.id, "applied"],
      [runIdIn(discarded.stdout), "discarded"],
      [secondRun.id, "applied"],
      [firstRun.id, "applied"],
    ]);
    const [, discardedRun] = runs;
    if (!discardedRun) throw new Error("expected the discarded run in the list");
    const firstEvents = await eventActions(t, firstRun);
    expect(firstEvents).toContain("planned");
    expect(firstEvents.indexOf("applying")).toBeGreaterThan(firstEvents.indexOf("planning"));
    expect(firstEvents.at(-1)).toBe("applied");
    const discardedEvents = await eventActions(t, discardedRun);
    expect(discardedEvents).toContain("planned");
    expect(discardedEvents).not.toContain("applying");
    expect(discardedEvents.at(-1)).toBe("discarded");
    expect((await eventActions(t, destroyRun)).at(-1)).toBe("applied");
  },
);

const secretValue = "s3cr3t-Zebra-4471";
const secretEnvValue = "env-s3cr3t-Quokka-9182";

const variablesConfig = `
variable "plain" {
  type = string
}

variable "structured" {
  type = object({ n = number, l = list(string) })
}

variable "secret" {
  type      = string
  sensitive = true
}

variable "from_env" {
  type = string
}

variable "from_cli" {
  type    = string
  default = "unset"
}

resource "terraform_data" "uses" {
  input = {
    plain  = var.plain
    n      = var.structured.n
    secret = var.secret
  }

  # Deliberate leaks: the runner must mask the secrets wherever the engine prints them.
  provisioner "local-exec" {
    command = "echo leak-var=\${nonsensitive(var.secret)} leak-env=$SECRET_ENV plain-env=$PLAIN_ENV"
  }
}

output "plain" {
  value = var.plain
}

output "structured" {
  value = var.structured
}

output "from_env" {
  value = var.from_env
}

output "from_cli" {
  value = var.from_cli
}

output "secret_sha256" {
  value = nonsensitive(sha256(var.secret))
}
`;

scenario("workspace variables reach the run, and secrets never show", async (t) => {
  const ws = await remoteWorkspace(t);
  const variable = async (key: string, value: string, category: string, hcl = false, sensitive = false) =>
    expectOk(
      await t.api.post(`/api/v2/workspaces/${ws.id}/vars`, {
        data: { type: "vars", attributes: { key, value, category, hcl, sensitive } },
      }),
      [201],
    );
  await variable("plain", "hello plain", "terraform");
  await variable("structured", '{ n = 42, l = ["a", "b"] }', "terraform", true);
  await variable("secret", secretValue, "terraform", false, true);
  await variable("TF_VAR_from_env", "via-env", "env");
  await variable("PLAIN_ENV", "shell-env", "env");
  await variable("SECRET_ENV", secretEnvValue, "env", false, true);
  await initCloud(t, variablesConfig);

  // -var travels as a run variable (an HCL literal).
  const apply = await autoApprove(t, ["-var", "from_cli=cli value"]);

  expect(apply.code).toBe(0);
  expect(apply.stdout).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
  // The provisioner ran with the env variables; the secrets it printed were masked by the runner.
  expect(apply.stdout).toContain("leak-var=*** leak-env=*** plain-env=shell-env");
  const outputs = await outputsByName(t, ws.id);
  expect(outputs.get("plain")).toBe("hello plain");
  expect(outputs.get("structured")).toEqual({ n: 42, l: ["a", "b"] });
  expect(outputs.get("from_env")).toBe("via-env");
  expect(outputs.get("from_cli")).toBe("cli value");
  expect(outputs.get("secret_sha256")).toBe(new Bun.CryptoHasher("sha256").update(secretValue).digest("hex"));

  // Neither secret appears anywhere: CLI output, logs through the API, API documents.
  const run = await readRun(t.api, runIdIn(apply.stdout));
  expect(run.attributes.variables).toEqual([{ key: "from_cli", value: '"cli value"' }]);
  const texts: Record<string, string> = {
    "CLI stdout": apply.stdout,
    "CLI stderr": apply.stderr,
    "plan log": await readLog(t.api, await readPlan(t.api, run)),
    "apply log": await readLog(t.api, await readApply(t.api, run)),
  };
  for (const path of [
    `/api/v2/workspaces/${ws.id}/vars`,
    `/api/v2/workspaces/${ws.id}/all-vars`,
    `/api/v2/runs/${run.id}?include=plan,apply,workspace,configuration_version`,
    `/api/v2/runs/${run.id}/run-events`,
    `/api/v2/workspaces/${ws.id}/runs`,
    `/api/v2/plans/${relatedId(run, "plan")}`,
    `/api/v2/applies/${relatedId(run, "apply")}`,
    `/api/v2/workspaces/${ws.id}/current-state-version-outputs`,
  ]) {
    const res = expectOk(await t.api.get(path));
    texts[`GET ${path}`] = JSON.stringify(res.body);
  }
  for (const [where, text] of Object.entries(texts)) {
    expect({ where, leaked: text.includes(secretValue) || text.includes(secretEnvValue) }).toEqual({
      where,
      leaked: false,
    });
  }
  expect(texts["plan log"]).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
  expect(texts["apply log"]).toContain("leak-var=*** leak-env=***");
});

scenario("-target, -replace and -refresh-only reach the remote run", async (t) => {
  const ws = await remoteWorkspace(t);
  await initCloud(t, resourcesConfig("alpha"));
  const resourcesInState = async () =>
    (await currentState(t.api, ws.id)).state.resources?.map((r) => `${r.type}.${r.name}`).sort();

  // -target: only the targeted resource is planned and created, not the one depending on it.
  const targeted = await autoApprove(t, ["-target=terraform_data.first"]);
  expect(targeted.code).toBe(0);
  expect(targeted.stdout).toContain("# terraform_data.first will be created");
  expect(targeted.stdout).not.toContain("# terraform_data.second");
  expect(targeted.stdout).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
  expect(flatten(targeted.stdout)).toContain("Resource targeting is in effect");
  expect(targeted.stdout).toContain("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
  const targetRun = await readRun(t.api, runIdIn(targeted.stdout));
  expect(targetRun.attributes).toMatchObject({ status: "applied", "target-addrs": ["terraform_data.first"] });
  expect(await resourcesInState()).toEqual(["terraform_data.first"]);
  const firstId = await resourceId(t, ws.id, "first");

  // -replace: the unchanged resource is replaced on request (and the other one created).
  const replaced = await autoApprove(t, ["-replace=terraform_data.first"]);
  expect(replaced.code).toBe(0);
  expect(replaced.stdout).toContain("# terraform_data.first will be replaced, as requested");
  expect(replaced.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 1 destroyed.");
  const replaceRun = await readRun(t.api, runIdIn(replaced.stdout));
  expect(replaceRun.attributes).toMatchObject({
    status: "applied",
    "replace-addrs": ["terraform_data.first"],
  });
  expect(await resourcesInState()).toEqual(["terraform_data.first", "terraform_data.second"]);
  expect(await resourceId(t, ws.id, "first")).not.toBe(firstId);

  // -refresh-only: nothing changed outside, so nothing to update.
  const refreshed = await autoApprove(t, ["-refresh-only"]);
  expect(refreshed.code).toBe(0);
  expect(refreshed.stdout).toContain("No changes.");
  const refreshRun = await readRun(t.api, runIdIn(refreshed.stdout));
  expect(refreshRun.attributes).toMatchObject({ "refresh-only": true, "has-changes": false });
  expect(refreshRun.attributes["target-addrs"] ?? []).toEqual([]);
  expect(refreshRun.attributes["replace-addrs"] ?? []).toEqual([]);
  expect(await isLocked(t)).toBe(false);
});

/** A quick resource whose input comes from `input`, and a slow one (created once). */
function queueConfig(input: string): string {
  return `
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "echo slow-started; sleep 6"
  }
}

resource "terraform_data" "quick" {
  input = "${input}"
}

output "quick" {
  value = terraform_data.quick.output
}
`;
}

scenario("a second apply to the same workspace waits for the first one", async (t) => {
  const ws = await remoteWorkspace(t);
  await initCloud(t, queueConfig("first"), "first");
  await initCloud(t, queueConfig("second"), "second");

  const first = t.start(["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: "first" });
  await first.waitForOutput(/slow-started/);
  const [only, ...others] = await workspaceRuns(t.api, ws.id);
  expect(others).toEqual([]);
  if (!only) throw new Error("the first apply created no run");
  const firstRunId = only.id;
  const second = t.start(["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: "second" });

  // While the first run applies, the second one is queued behind it: pending, not planning.
  const waiting = await waitFor("the second run to be created", async () => {
    const runs = await workspaceRuns(t.api, ws.id);
    const other = runs.find((r) => r.id !== firstRunId);
    return other ? { runs, other } : undefined;
  });
  expect(waiting.runs[0]?.id).toBe(waiting.other.id); // newest first
  expect(statusOf(waiting.other)).toBe("pending");
  expect(statusOf(await readRun(t.api, firstRunId))).toBe("applying");
  expect(relatedId(await readWorkspace(t.api, t.organization, t.workspace), "current-run")).toBe(firstRunId);
  await second.waitForOutput(/Waiting for 1 run\(s\) to finish before being queued\.\.\./);

  // A speculative plan is not queued: it runs while the first run still applies.
  const plan = await t.run(["plan", "-input=false", "-no-color"], { cwd: "second" });
  expect(plan.code).toBe(0);
  expect(plan.stdout).toMatch(/Plan: \d+ to add, \d+ to change, 0 to destroy\./);
  const planRun = await readRun(t.api, runIdIn(plan.stdout));
  expect(statusOf(planRun)).toBe("planned_and_finished");
  expect(statusOf(await readRun(t.api, waiting.other.id))).toBe("pending");

  const [firstResult, secondResult] = await Promise.all([first.result, second.result]);
  expect(firstResult.code).toBe(0);
  expect(firstResult.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
  expect(secondResult.code).toBe(0);
  expect(secondResult.stdout).toContain("Apply complete! Resources: 0 added, 1 changed, 0 destroyed.");
  expect(runIdIn(secondResult.stdout)).toBe(waiting.other.id);

  // In order: the second run started planning only after the first had applied.
  const firstRun = await readRun(t.api, firstRunId);
  const secondRun = await readRun(t.api, waiting.other.id);
  expect([statusOf(firstRun), statusOf(secondRun)]).toEqual(["applied", "applied"]);
  const at = (run: JsonApiResource, key: string) => {
    const value = (run.attributes["status-timestamps"] as Record<string, unknown> | undefined)?.[key];
    if (typeof value !== "string") throw new Error(`run ${run.id} has no ${key}`);
    return Date.parse(value);
  };
  expect(at(secondRun, "planning-at")).toBeGreaterThanOrEqual(at(firstRun, "applied-at"));
  expect(at(planRun, "planned-and-finished-at")).toBeLessThan(at(firstRun, "applied-at"));
  expect((await outputsByName(t, ws.id)).get("quick")).toBe("second");
  expect(await isLocked(t)).toBe(false);
});

const failingPlanConfig = `
variable "size" {
  type    = number
  default = 1
}

resource "terraform_data" "guarded" {
  input = var.size

  lifecycle {
    precondition {
      condition     = var.size > 5
      error_message = "precondition-failed-on-purpose"
    }
  }
}
`;

const failingApplyConfig = `
resource "terraform_data" "ok" {
  input = "fine"
}

resource "terraform_data" "bad" {
  depends_on = [terraform_data.ok]

  provisioner "local-exec" {
    command = "echo about-to-fail; exit 3"
  }
}
`;

const recoveredConfig = `
resource "terraform_data" "ok" {
  input = "fine"
}
`;

scenario("a failing plan or apply errors the run, the CLI shows why, the queue moves on", async (t) => {
  const ws = await remoteWorkspace(t);
  await initCloud(t, failingPlanConfig);

  // Plan-time failure: the plan log (streamed) carries the error.
  const badPlan = await autoApprove(t);
  expect(badPlan.code).toBe(1);
  expect(flatten(`${badPlan.stdout}\n${badPlan.stderr}`)).toContain("precondition-failed-on-purpose");
  const badPlanRun = await readRun(t.api, runIdIn(badPlan.stdout));
  expect(statusOf(badPlanRun)).toBe("errored");
  expect((await readPlan(t.api, badPlanRun)).attributes.status).toBe("errored");
  await expectNotFound(t.api, `/api/v2/workspaces/${ws.id}/current-state-version`);
  expect(await isLocked(t)).toBe(false);

  // Apply-time failure after an interactive confirmation: the apply log carries the error, and what was
  // created before it is kept in the state.
  await t.writeFiles({ "main.tf": `${t.cloudBlock({ name: t.workspace })}\n${failingApplyConfig}` });
  const badApply = await applyAnswering(t, "yes");
  expect(badApply.code).toBe(1);
  const text = flatten(`${badApply.stdout}\n${badApply.stderr}`);
  expect(text).toContain("terraform_data.ok: Creation complete");
  expect(text).toContain("about-to-fail");
  expect(text).toContain("local-exec provisioner error");
  const badApplyRun = await readRun(t.api, runIdIn(badApply.stdout));
  expect(statusOf(badApplyRun)).toBe("errored");
  expect((await readApply(t.api, badApplyRun)).attributes.status).toBe("errored");
  const partial = await currentState(t.api, ws.id);
  expect(relatedId(partial.version, "run")).toBe(badApplyRun.id);
  expect(partial.state.resources?.map((r) => `${r.type}.${r.name}`).sort()).toEqual([
    "terraform_data.bad", // created, then tainted by its failed provisioner
    "terraform_data.ok",
  ]);
  expect(await isLocked(t)).toBe(false);

  // The same failure with -auto-approve: the CLI reads the run only after the plan log, and an apply
  // that had already errored by then would end the command without its log; Terrapod holds such an
  // apply until the CLI has read the plan log to its end, so the error is shown.
  const badAuto = await autoApprove(t);
  expect(badAuto.code).toBe(1);
  const autoText = flatten(`${badAuto.stdout}\n${badAuto.stderr}`);
  expect(autoText).toContain("about-to-fail");
  expect(autoText).toContain("local-exec provisioner error");

  // Neither errored run holds the workspace: the next apply runs at once and removes the tainted one.
  await t.writeFiles({ "main.tf": `${t.cloudBlock({ name: t.workspace })}\n${recoveredConfig}` });
  const recovered = await autoApprove(t);
  expect(recovered.code).toBe(0);
  expect(recovered.stdout).toContain("Apply complete! Resources: 0 added, 0 changed, 1 destroyed.");
  expect((await currentState(t.api, ws.id)).state.resources?.map((r) => r.name)).toEqual(["ok"]);
});

/** A resource that is created at once, then one whose provisioner takes 30 s. */
const slowConfig = `
resource "terraform_data" "quick" {
  input = "kept"
}

resource "terraform_data" "slow" {
  depends_on = [terraform_data.quick]

  provisioner "local-exec" {
    command = "echo slow-started; sleep 30"
  }
}
`;

/** After Ctrl-C: the run is canceled, the workspace unlocked, and the state written so far is kept. */
async function expectCanceled(t: ScenarioContext, workspaceId: string, result: CliResult): Promise<void> {
  expect(result.stdout).toContain("The remote operation was successfully cancelled.");
  // The CLIs exit 0 here: they read the run (still applying) before cancelling it, and only a run that
  // was already canceled or errored at that read fails the command (internal/cloud/backend.go Operation).
  expect(result.code).toBe(0);
  const runId = runIdIn(result.stdout);
  const run = await waitFor("the run to end", async () => {
    const r = await readRun(t.api, runId);
    return activeStatuses.has(statusOf(r)) ? undefined : r;
  });
  expect(statusOf(run)).toBe("canceled");
  expect((run.attributes["status-timestamps"] as Record<string, unknown>)["canceled-at"]).toBeString();
  const actions = (await runEvents(t.api, run)).map((e) => e.attributes.action);
  expect(actions.at(-1)).toBe("canceled");
  expect(await isLocked(t)).toBe(false);
  // terraform_data.quick was created before the interrupt: the runner saved the state it had.
  const saved = await currentState(t.api, workspaceId);
  expect(relatedId(saved.version, "run")).toBe(runId);
  expect(saved.state.resources?.map((r) => `${r.type}.${r.name}`)).toContain("terraform_data.quick");
}

scenario(
  "Ctrl-C during apply -auto-approve cancels the remote run",
  async (t) => {
    const ws = await remoteWorkspace(t);
    await initCloud(t, slowConfig);

    const cli = t.start(["apply", "-auto-approve", "-input=false", "-no-color"]);
    await cli.waitForOutput(/slow-started/);
    cli.interrupt();
    const result = await cli.result;

    // With -auto-approve the CLI cancels without asking.
    expect(result.stdout).not.toContain("Do you want to cancel the remote operation?");
    await expectCanceled(t, ws.id, result);
  },
  { serverEnv: fastHeartbeat },
);

scenario(
  "Ctrl-C during a confirmed apply asks, then cancels the remote run",
  async (t) => {
    const ws = await remoteWorkspace(t);
    await initCloud(t, slowConfig);

    const cli = t.start(["apply", "-no-color"], { stdin: "interactive" });
    await cli.waitForOutput(/Enter a value:/);
    cli.write("yes\n");
    await cli.waitForOutput(/slow-started/);
    cli.interrupt();
    await cli.waitForOutput(/Do you want to cancel the remote operation\?[\s\S]*Enter a value:/);
    cli.write("yes\n");
    const result = await cli.result;

    await expectCanceled(t, ws.id, result);
  },
  { serverEnv: fastHeartbeat },
);

scenario('backend "remote": plan, apply confirmed or -auto-approve, and auto-apply workspaces', async (t) => {
  const ws = await remoteWorkspace(t);
  await initRemoteBackend(t, resourcesConfig("alpha"));

  const plan = await t.run(["plan", "-input=false", "-no-color"]);
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain("Running plan in the remote backend.");
  expect(plan.stdout).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
  const planRun = await readRun(t.api, runIdIn(plan.stdout));
  expect(planRun.attributes).toMatchObject({ status: "planned_and_finished", "plan-only": true });

  const apply = await applyAnswering(t, "yes");
  expect(apply.code).toBe(0);
  expect(apply.stdout).toContain("Running apply in the remote backend.");
  expect(apply.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
  const applyRun = await readRun(t.api, runIdIn(apply.stdout));
  expect(applyRun.attributes).toMatchObject({ status: "applied", "auto-apply": false });
  const state = await currentState(t.api, ws.id);
  expect(relatedId(state.version, "run")).toBe(applyRun.id);
  expect((await outputsByName(t, ws.id)).get("greeting")).toBe("hello-alpha");

  // -auto-approve: the remote backend confirms the run itself (actions/apply).
  await t.writeFiles({ "main.tf": `${remoteBackendBlock(t)}\n${resourcesConfig("gamma")}` });
  const auto = await autoApprove(t);
  expect(auto.code).toBe(0);
  expect(auto.stdout).not.toContain("Do you want to perform these actions");
  expect(auto.stdout).toContain("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.");
  expect(statusOf(await readRun(t.api, runIdIn(auto.stdout)))).toBe("applied");
  expect((await outputsByName(t, ws.id)).get("greeting")).toBe("hello-gamma");

  // An auto-apply workspace: backend "remote" leaves the decision to the workspace, so a plain apply
  // (stdin closed, no -auto-approve) needs no confirmation and the server confirms the run.
  expectOk(
    await t.api.patch(`/api/v2/workspaces/${ws.id}`, {
      data: { type: "workspaces", attributes: { "auto-apply": true } },
    }),
  );
  await t.writeFiles({ "main.tf": `${remoteBackendBlock(t)}\n${resourcesConfig("delta")}` });
  const unconfirmed = await t.run(["apply", "-no-color"]);
  expect(unconfirmed.code).toBe(0);
  expect(unconfirmed.stdout).not.toContain("Do you want to perform these actions");
  expect(unconfirmed.stdout).toContain("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.");
  const autoRun = await readRun(t.api, runIdIn(unconfirmed.stdout));
  expect(autoRun.attributes).toMatchObject({ status: "applied", "auto-apply": true });

  // The cloud block always sends auto-apply = -auto-approve (false here), which wins over the
  // workspace's setting (as in TFE): the CLI asks, and the run waits for the answer.
  await initCloud(t, resourcesConfig("epsilon"), "cloud");
  const cloud = await applyAnswering(t, "yes", [], "cloud");
  expect(cloud.code).toBe(0);
  expect(cloud.stdout).toContain(`Do you want to perform these actions in workspace "${t.workspace}"?`);
  expect(cloud.stdout).toContain("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.");
  const cloudRun = await readRun(t.api, runIdIn(cloud.stdout));
  expect(cloudRun.attributes).toMatchObject({ status: "applied", "auto-apply": false });
  expect((await outputsByName(t, ws.id)).get("greeting")).toBe("hello-epsilon");
  expect(await isLocked(t)).toBe(false);
});
