/**
 * Runs the real runner program (`bun apps/runner/src/main.ts`) against a fake server speaking the
 * runner protocol, with the real engines (tofu 1.12.6, terraform 1.5.7). Configurations use only the
 * built-in `terraform_data` resource, so no provider is downloaded.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { ArtifactName, Engine, JobSpec, JobVariable } from "@terrapod/runner-protocol";
import { pack } from "tar-stream";
import { createTestCertificates } from "../../../e2e/lib/tls.ts";
import { type FakeJob, type FakeRunnerServer, startFakeRunnerServer } from "./testing/fake-runner-server.ts";
import { engineBinaryDir, testEngines } from "./testing/testing-env.ts";

const binaryDir = engineBinaryDir();
const mainPath = resolve(import.meta.dir, "main.ts");
const token = "job-token-6f1c2b9e-never-to-be-seen";
const runnerOnlyMarker = "RUNNER_ONLY_MARKER_51d3";
const timeout = 90_000;

// ---------------------------------------------------------------------------------------------------
// Helpers

async function slugOf(files: Record<string, string>): Promise<Uint8Array> {
  const p = pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of p) if (chunk instanceof Uint8Array) chunks.push(chunk);
  })();
  for (const [name, content] of Object.entries(files)) {
    await new Promise<void>((ok, fail) =>
      p.entry({ name, mode: 0o644 }, content, (err) => (err ? fail(err) : ok())),
    );
  }
  p.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks));
}

type SpecInput = {
  engine: Engine;
  version: string;
  phase: JobSpec["phase"];
  variables?: JobVariable[];
  operation?: Partial<JobSpec["operation"]>;
  workingDirectory?: string;
};

function specOf(input: SpecInput): JobSpec {
  return {
    version: 1,
    runId: `run-${input.engine}-${Math.random().toString(36).slice(2, 10)}`,
    phase: input.phase,
    attempt: 1,
    workspace: {
      id: "ws-test",
      name: "test",
      organization: "acme",
      workingDirectory: input.workingDirectory ?? "",
    },
    engine: input.engine,
    engineVersion: input.version,
    operation: {
      isDestroy: false,
      refresh: true,
      refreshOnly: false,
      targetAddrs: [],
      replaceAddrs: [],
      allowEmptyApply: false,
      planOnly: false,
      ...input.operation,
    },
    variables: input.variables ?? [],
    heartbeatIntervalSeconds: 1,
  };
}

type RunOutput = { exitCode: number; stdout: string; stderr: string; ms: number; workDirLeft: string[] };

const servers: FakeRunnerServer[] = [];
const scratch: string[] = [];
const running = new Set<number>();

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});
afterAll(async () => {
  for (const pid of running) process.kill(pid, "SIGKILL");
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

function serve(job: FakeJob, opts?: Parameters<typeof startFakeRunnerServer>[2]): FakeRunnerServer {
  const server = startFakeRunnerServer(job, token, opts);
  servers.push(server);
  return server;
}

async function runRunner(
  server: FakeRunnerServer,
  opts: {
    env?: Record<string, string>;
    binaryDir?: string;
    signalWhen?: (s: FakeRunnerServer) => boolean;
  } = {},
): Promise<RunOutput> {
  const workDir = await mkdtemp(join(tmpdir(), "terrapod-runner-test-"));
  scratch.push(workDir);
  const started = performance.now();
  const proc = Bun.spawn({
    cmd: [process.execPath, mainPath],
    env: {
      PATH: Bun.env.PATH ?? "/usr/bin:/bin",
      TERRAPOD_RUNNER_SERVER_URL: server.url,
      TERRAPOD_RUNNER_TOKEN: token,
      TERRAPOD_BINARY_DIR: opts.binaryDir ?? binaryDir,
      TERRAPOD_RUNNER_WORK_DIR: workDir,
      TERRAPOD_RUNNER_GRACE_SECONDS: "5",
      TERRAPOD_RUNNER_LOG_LEVEL: "debug",
      [runnerOnlyMarker]: "1",
      ...opts.env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(proc.pid);
  let signalled = false;
  const watcher = opts.signalWhen
    ? setInterval(() => {
        if (!signalled && opts.signalWhen?.(server)) {
          signalled = true;
          proc.kill("SIGTERM");
        }
      }, 100)
    : undefined;
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (watcher) clearInterval(watcher);
  running.delete(proc.pid);
  return {
    exitCode,
    stdout,
    stderr,
    ms: Math.round(performance.now() - started),
    workDirLeft: await readdir(workDir),
  };
}

const decoder = new TextDecoder();
const jsonOf = (bytes: Uint8Array | undefined): unknown => JSON.parse(decoder.decode(bytes));

type StateDoc = {
  serial: number;
  lineage: string;
  resources: { type: string; name: string; instances: unknown[] }[];
};
function stateOf(bytes: Uint8Array | undefined): StateDoc {
  const doc = jsonOf(bytes);
  if (typeof doc !== "object" || doc === null || !("serial" in doc) || !("resources" in doc)) {
    throw new Error("not a state document");
  }
  return doc as StateDoc;
}

/** Resources with at least one instance (a failed create can leave an empty entry). */
const resourceNames = (state: StateDoc) =>
  state.resources
    .filter((r) => r.instances.length > 0)
    .map((r) => `${r.type}.${r.name}`)
    .sort();

function expectPreamble(log: string, engine: Engine, version: string) {
  const name = engine === "tofu" ? "OpenTofu" : "Terraform";
  expect(log.split("\n").slice(0, 3)).toEqual([
    `${name} v${version}`,
    "on linux_amd64",
    "Initializing plugins and modules...",
  ]);
}

function expectCleanRun(server: FakeRunnerServer, out: RunOutput) {
  if (out.exitCode !== 0) console.error(out.stdout, out.stderr);
  expect(out.exitCode).toBe(0);
  expect(server.requests.every((r) => r.authorized)).toBe(true);
  expect(server.results).toHaveLength(1);
  expect(out.workDirLeft).toEqual([]);
  expect(server.log()).not.toContain(token);
  expect(out.stdout).not.toContain(token);
}

const variable = (key: string, value: string, extra: Partial<JobVariable> = {}): JobVariable => ({
  key,
  value,
  category: "terraform",
  hcl: false,
  sensitive: false,
  ...extra,
});

// ---------------------------------------------------------------------------------------------------
// Configurations

const secretValue = `s3cr3t "quoted" \${not_a_template} \\ back`;

const mainConfig = {
  "main.tf": `
terraform {
  cloud {
    organization = "acme"
    workspaces { name = "test" }
  }
}

variable "token" { type = string }
variable "region" { type = string }
variable "tags" { type = map(string) }
variable "from_env" { type = string }

resource "terraform_data" "a" {
  input = { token = var.token, region = var.region, tags = var.tags, env = var.from_env }
}

resource "terraform_data" "b" {
  input = terraform_data.a.output
}

output "region" { value = var.region }
`,
  "terraform.auto.tfvars": 'region = "from-auto-tfvars"\n',
  ".terraform.lock.hcl": '# This file is maintained automatically by "terraform init".\n',
};

const mainVariables = (region: string): JobVariable[] => [
  variable("token", secretValue, { sensitive: true }),
  variable("region", region),
  variable("tags", '{ team = "core", "cost-center" = "42" }', { hcl: true }),
  variable("TF_VAR_from_env", "env-value", { category: "env" }),
];

const failingConfig = {
  "main.tf": `
resource "terraform_data" "first" { input = "one" }

resource "terraform_data" "second" {
  input = terraform_data.first.output
  lifecycle {
    precondition {
      condition     = terraform_data.first.output == "never"
      error_message = "Terrapod test: the precondition failed after the first resource was created."
    }
  }
}
`,
};

const slowConfig = {
  "main.tf": `
resource "terraform_data" "fast" { input = "fast" }

resource "terraform_data" "slow" {
  depends_on = [terraform_data.fast]
  provisioner "local-exec" { command = "sleep 30" }
}
`,
};

/** Runs a plan phase and returns what an apply phase of the same run needs. */
async function planFor(
  engine: Engine,
  version: string,
  files: Record<string, string>,
  extra: Partial<SpecInput> = {},
  state?: Uint8Array,
) {
  const server = serve({
    spec: specOf({ engine, version, phase: "plan", ...extra }),
    archive: await slugOf(files),
    ...(state ? { state } : {}),
  });
  const out = await runRunner(server);
  expectCleanRun(server, out);
  expect(server.results[0]?.status).toBe("finished");
  const artifacts: Partial<Record<ArtifactName, Uint8Array>> = {};
  for (const [name, bytes] of server.artifacts) artifacts[name] = bytes;
  return { server, out, artifacts };
}

/** Plans and applies `files` from no state; returns the state the apply uploaded. */
async function appliedState(
  engine: Engine,
  version: string,
  files: Record<string, string>,
  variables: JobVariable[],
) {
  const plan = await planFor(engine, version, files, { variables });
  const server = serve({
    spec: specOf({ engine, version, phase: "apply", variables }),
    archive: await slugOf(files),
    artifacts: plan.artifacts,
  });
  expectCleanRun(server, await runRunner(server));
  const state = server.stateUploads[0];
  if (!state) throw new Error("the apply uploaded no state");
  return state;
}

// ---------------------------------------------------------------------------------------------------

for (const { engine, version } of testEngines) {
  describe(`${engine} ${version}`, () => {
    const timings: Record<string, number> = {};

    test(
      "a plan with changes uploads its artifacts, counts, masks secrets and overrides the cloud block",
      async () => {
        const { server, out } = await planFor(engine, version, mainConfig, {
          variables: mainVariables("eu-west-1"),
        });
        timings.plan = out.ms;
        const result = server.results[0];
        expect(result).toEqual({
          version: 1,
          status: "finished",
          hasChanges: true,
          counts: { additions: 2, changes: 0, destructions: 0, imports: 0 },
        });
        expect([...server.artifacts.keys()].sort()).toEqual([
          "lock-file",
          "plan-file",
          "plan-json",
          "provider-schemas",
        ]);
        expect(server.artifacts.get("plan-file")?.byteLength).toBeGreaterThan(0);
        expect(decoder.decode(server.artifacts.get("lock-file"))).toBe(mainConfig[".terraform.lock.hcl"]);

        const plan = jsonOf(server.artifacts.get("plan-json")) as {
          variables: Record<string, { value: unknown }>;
          resource_changes: unknown[];
        };
        // -var-file on the command line wins over terraform.auto.tfvars; HCL values are expressions.
        expect(plan.variables.region?.value).toBe("eu-west-1");
        expect(plan.variables.tags?.value).toEqual({ team: "core", "cost-center": "42" });
        expect(plan.variables.from_env?.value).toBe("env-value");
        expect(plan.variables.token?.value).toBe(secretValue);
        expect(plan.resource_changes).toHaveLength(2);
        const schemas = jsonOf(server.artifacts.get("provider-schemas")) as { provider_schemas: object };
        expect(Object.keys(schemas.provider_schemas).join()).toContain("builtin/terraform");

        const log = server.log();
        expectPreamble(log, engine, version);
        expect(log).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
        expect(log).not.toContain("s3cr3t");
        expect(log).toContain("***");
        expect(log).not.toContain("Initializing the backend");
        expect(log).not.toContain("Terraform Cloud");
        expect(server.heartbeats).toBeGreaterThanOrEqual(1);
        expect(server.logPosts.length).toBeGreaterThanOrEqual(1);
      },
      timeout,
    );

    test(
      "an apply of the saved plan uploads the new state and its JSON",
      async () => {
        const plan = await planFor(engine, version, mainConfig, { variables: mainVariables("eu-west-1") });
        const server = serve({
          spec: specOf({ engine, version, phase: "apply", variables: mainVariables("eu-west-1") }),
          archive: await slugOf(mainConfig),
          artifacts: plan.artifacts,
        });
        const out = await runRunner(server);
        timings.apply = out.ms;
        expectCleanRun(server, out);
        expect(server.results[0]).toEqual({
          version: 1,
          status: "finished",
          counts: { additions: 2, changes: 0, destructions: 0, imports: 0 },
        });
        expect(server.stateUploads).toHaveLength(1);
        const doc = stateOf(server.stateUploads[0]);
        expect(resourceNames(doc)).toEqual(["terraform_data.a", "terraform_data.b"]);
        expect(jsonOf(server.artifacts.get("state-json"))).toHaveProperty("values");
        const log = server.log();
        expectPreamble(log, engine, version);
        expect(log).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");
        expect(log).not.toContain("s3cr3t");
      },
      timeout,
    );

    test(
      "a plan against the current state with no changes reports none",
      async () => {
        const state = await appliedState(engine, version, mainConfig, mainVariables("eu-west-1"));
        const { server } = await planFor(
          engine,
          version,
          mainConfig,
          { variables: mainVariables("eu-west-1") },
          state,
        );
        expect(server.results[0]).toEqual({
          version: 1,
          status: "finished",
          hasChanges: false,
          counts: { additions: 0, changes: 0, destructions: 0, imports: 0 },
        });
        expect(server.log()).toContain("No changes.");
      },
      timeout,
    );

    test(
      "a change applied on top of the state bumps its serial and keeps its lineage",
      async () => {
        const state = await appliedState(engine, version, mainConfig, mainVariables("eu-west-1"));
        const before = stateOf(state);
        const plan = await planFor(
          engine,
          version,
          mainConfig,
          { variables: mainVariables("us-east-2") },
          state,
        );
        expect(plan.server.results[0]).toMatchObject({
          hasChanges: true,
          counts: { additions: 0, changes: 2, destructions: 0, imports: 0 },
        });
        // The apply phase gets the run's variables again (newer engines check them against the plan).
        const server = serve({
          spec: specOf({ engine, version, phase: "apply", variables: mainVariables("us-east-2") }),
          archive: await slugOf(mainConfig),
          artifacts: plan.artifacts,
          state,
        });
        const out = await runRunner(server);
        expectCleanRun(server, out);
        expect(server.results[0]).toMatchObject({ status: "finished", counts: { changes: 2 } });
        const after = stateOf(server.stateUploads[0]);
        expect(after.serial).toBeGreaterThan(before.serial);
        expect(after.lineage).toBe(before.lineage);
      },
      timeout,
    );

    test(
      "an apply that fails midway still uploads the partial state",
      async () => {
        const plan = await planFor(engine, version, failingConfig);
        expect(plan.server.results[0]).toMatchObject({ hasChanges: true, counts: { additions: 2 } });
        const server = serve({
          spec: specOf({ engine, version, phase: "apply" }),
          archive: await slugOf(failingConfig),
          artifacts: plan.artifacts,
        });
        const out = await runRunner(server);
        expectCleanRun(server, out);
        const result = server.results[0];
        expect(result?.status).toBe("errored");
        expect(result?.errorMessage).toContain("Error: Resource precondition failed");
        expect(result?.counts).toEqual({ additions: 1, changes: 0, destructions: 0, imports: 0 });
        expect(server.stateUploads).toHaveLength(1);
        expect(resourceNames(stateOf(server.stateUploads[0]))).toEqual(["terraform_data.first"]);
        expect(server.log()).toContain("the precondition failed after the first resource was created");
      },
      timeout,
    );

    test(
      "a cancel from the heartbeat stops a slow apply, keeps the state and reports canceled",
      async () => {
        const plan = await planFor(engine, version, slowConfig);
        const server = serve(
          {
            spec: specOf({ engine, version, phase: "apply" }),
            archive: await slugOf(slowConfig),
            artifacts: plan.artifacts,
          },
          {
            onLog: (log, s) => {
              if (log.includes("terraform_data.slow: Provisioning with 'local-exec'")) s.requestCancel();
            },
          },
        );
        const out = await runRunner(server);
        expectCleanRun(server, out);
        expect(out.ms).toBeLessThan(20_000);
        expect(server.results[0]?.status).toBe("canceled");
        expect(server.stateUploads).toHaveLength(1);
        expect(resourceNames(stateOf(server.stateUploads[0]))).toContain("terraform_data.fast");
      },
      timeout,
    );

    test(
      "a configuration with a backend block runs on the local state (override file)",
      async () => {
        const files = {
          "main.tf": `
terraform {
  backend "s3" {
    bucket = "nowhere"
    key    = "state"
    region = "eu-west-1"
  }
}
resource "terraform_data" "x" { input = 1 }
`,
        };
        const { server } = await planFor(engine, version, files, { operation: { planOnly: true } });
        expect(server.results[0]).toMatchObject({
          status: "finished",
          hasChanges: true,
          counts: { additions: 1 },
        });
        // A speculative plan uploads nothing.
        expect([...server.artifacts.keys()]).toEqual([]);
      },
      timeout,
    );

    afterAll(() => {
      console.log(`[timings] ${engine} ${version}: plan ${timings.plan} ms, apply ${timings.apply} ms`);
    });
  });
}

describe("runner (tofu)", () => {
  const { engine, version } = testEngines[0];

  test(
    "the engine sees a clean environment: no job token, no runner variables",
    async () => {
      const files = {
        "main.tf":
          'resource "terraform_data" "env" {\n  provisioner "local-exec" { command = "env | sort" }\n}\n',
      };
      const variables: JobVariable[] = [
        variable("MY_ENV", "hello-env", { category: "env" }),
        variable("SECRET_ENV", "very-secret-env-value", { category: "env", sensitive: true }),
      ];
      const plan = await planFor(engine, version, files, { variables });
      const server = serve({
        spec: specOf({ engine, version, phase: "apply", variables }),
        archive: await slugOf(files),
        artifacts: plan.artifacts,
      });
      const out = await runRunner(server);
      expectCleanRun(server, out);
      const log = server.log();
      expect(log).toContain("(local-exec): MY_ENV=hello-env");
      expect(log).toContain("(local-exec): SECRET_ENV=***");
      expect(log).toContain("(local-exec): TF_IN_AUTOMATION=1");
      expect(log).toMatch(/\(local-exec\): HOME=\/.*\/tp-[^/]+\/home/);
      expect(log).not.toContain(runnerOnlyMarker);
      expect(log).not.toContain("TERRAPOD_RUNNER");
      expect(log).not.toContain("very-secret-env-value");
    },
    timeout,
  );

  test(
    "SIGTERM to the runner cancels the apply gracefully (the embedded executor's cancel)",
    async () => {
      const plan = await planFor(engine, version, slowConfig);
      const server = serve({
        spec: specOf({ engine, version, phase: "apply" }),
        archive: await slugOf(slowConfig),
        artifacts: plan.artifacts,
      });
      const out = await runRunner(server, {
        signalWhen: (s) => s.log().includes("terraform_data.slow: Provisioning with 'local-exec'"),
      });
      expectCleanRun(server, out);
      expect(out.ms).toBeLessThan(20_000);
      expect(server.results[0]?.status).toBe("canceled");
      expect(resourceNames(stateOf(server.stateUploads[0]))).toContain("terraform_data.fast");
    },
    timeout,
  );

  test(
    "a state upload is retried until the server takes it",
    async () => {
      const files = { "main.tf": 'resource "terraform_data" "x" { input = 1 }\n' };
      const plan = await planFor(engine, version, files);
      const server = serve(
        {
          spec: specOf({ engine, version, phase: "apply" }),
          archive: await slugOf(files),
          artifacts: plan.artifacts,
        },
        { failStateUploads: 2 },
      );
      const out = await runRunner(server);
      expectCleanRun(server, out);
      expect(server.results[0]?.status).toBe("finished");
      expect(server.stateUploads).toHaveLength(1);
      expect(server.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/state"))).toHaveLength(3);
    },
    timeout,
  );

  test(
    "a working directory in the configuration is used, with modules beside it",
    async () => {
      const files = {
        "envs/prod/main.tf": 'module "m" { source = "../../modules/m" }\noutput "o" { value = module.m.v }\n',
        "modules/m/main.tf": 'resource "terraform_data" "m" { input = "m" }\noutput "v" { value = "x" }\n',
      };
      const plan = await planFor(engine, version, files, { workingDirectory: "envs/prod" });
      expect(plan.server.results[0]).toMatchObject({ hasChanges: true, counts: { additions: 1 } });
      const server = serve({
        spec: specOf({ engine, version, phase: "apply", workingDirectory: "envs/prod" }),
        archive: await slugOf(files),
        artifacts: plan.artifacts,
      });
      const out = await runRunner(server);
      expectCleanRun(server, out);
      expect(server.results[0]?.status).toBe("finished");
      expect(resourceNames(stateOf(server.stateUploads[0]))).toEqual(["terraform_data.m"]);
    },
    timeout,
  );

  test(
    "a working directory leaving the configuration is refused",
    async () => {
      const server = serve({
        spec: specOf({ engine, version, phase: "plan", workingDirectory: "../etc" }),
        archive: await slugOf({ "main.tf": "" }),
      });
      const out = await runRunner(server);
      expectCleanRun(server, out);
      expect(server.results[0]).toMatchObject({ status: "errored" });
      expect(server.results[0]?.errorMessage).toContain("leaves the configuration");
    },
    timeout,
  );

  test(
    "a malicious configuration archive is refused before anything runs",
    async () => {
      const p = pack();
      const chunks: Uint8Array[] = [];
      const collected = (async () => {
        for await (const chunk of p) if (chunk instanceof Uint8Array) chunks.push(chunk);
      })();
      p.entry({ name: "escape", type: "symlink", linkname: "../../../../tmp" });
      p.entry({ name: "escape/pwned.tf" }, "x");
      p.finalize();
      await collected;
      const server = serve({
        spec: specOf({ engine, version, phase: "plan" }),
        archive: gzipSync(Buffer.concat(chunks)),
      });
      const out = await runRunner(server);
      expectCleanRun(server, out);
      expect(server.results[0]?.status).toBe("errored");
      expect(server.results[0]?.errorMessage).toContain("invalid configuration archive");
      expect(server.log()).toContain("Error: invalid configuration archive");
    },
    timeout,
  );

  test(
    "a missing engine binary is an errored result with a clear message",
    async () => {
      const server = serve({
        spec: specOf({ engine: "terraform", version: "1.99.0", phase: "plan" }),
        archive: await slugOf({ "main.tf": "" }),
      });
      const out = await runRunner(server);
      expectCleanRun(server, out);
      expect(server.results[0]).toMatchObject({ status: "errored" });
      expect(server.results[0]?.errorMessage).toContain("terraform 1.99.0 is not available on this runner");
      const log = server.log();
      expectPreamble(log, "terraform", "1.99.0");
      expect(log).toContain("terraform 1.99.0 is not available");
    },
    timeout,
  );

  test(
    "a failing plan reports the engine's first error",
    async () => {
      const server = serve({
        spec: specOf({ engine, version, phase: "plan" }),
        archive: await slugOf({ "main.tf": 'resource "terraform_data" "x" { input = var.missing }\n' }),
      });
      const out = await runRunner(server);
      expectCleanRun(server, out);
      expect(server.results[0]).toMatchObject({
        status: "errored",
        errorMessage: "Error: Reference to undeclared input variable",
      });
    },
    timeout,
  );

  test(
    "a broken configuration shows the init output it would otherwise hide",
    async () => {
      const server = serve({
        spec: specOf({ engine, version, phase: "plan" }),
        archive: await slugOf({ "main.tf": 'module "m" { source = "./missing" }\n' }),
      });
      const out = await runRunner(server);
      expectCleanRun(server, out);
      expect(server.results[0]?.status).toBe("errored");
      expect(server.results[0]?.errorMessage).toContain("init failed");
      expect(server.log()).toContain("Initializing modules...");
    },
    timeout,
  );

  test(
    "a self-signed loopback server is trusted only with TERRAPOD_RUNNER_INSECURE_LOOPBACK=1",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "terrapod-runner-tls-"));
      scratch.push(dir);
      const certs = await createTestCertificates(dir, "/usr/bin/openssl");
      const tls = { cert: certs.serverCert, key: certs.serverKey };
      const job = () => ({
        spec: specOf({ engine: "terraform", version: "1.99.0", phase: "plan" }),
        archive: new Uint8Array(0),
      });
      const trusted = serve(job(), { tls });
      const ok = await runRunner(trusted, { env: { TERRAPOD_RUNNER_INSECURE_LOOPBACK: "1" } });
      expectCleanRun(trusted, ok);
      expect(trusted.results[0]?.errorMessage).toContain("not available on this runner");

      const refused = serve(job(), { tls });
      const out = await runRunner(refused);
      expect(out.exitCode).toBe(1);
      expect(refused.requests).toEqual([]);
      expect(out.stdout).toContain("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    },
    timeout,
  );

  test("an invalid configuration exits 2 with one line", async () => {
    const proc = Bun.spawn({
      cmd: [process.execPath, mainPath],
      env: { PATH: Bun.env.PATH ?? "/usr/bin:/bin", TERRAPOD_RUNNER_SERVER_URL: "ftp://x" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain("TERRAPOD_RUNNER_TOKEN");
    expect(stderr).toContain("TERRAPOD_RUNNER_SERVER_URL");
  });
});
