/**
 * bench/runs:
 *  (a) `apply -auto-approve` of a 100-resource terraform_data configuration through Terrapod (remote
 *      execution) vs the same apply with the local backend, same CLI, same machine: ratio ≤ 1.3;
 *  (b) time from run creation to `planning` with an idle executor: p50 ≤ 200 ms;
 *  (c) 50 queued runs across 10 workspaces all finish, each workspace strictly in creation order.
 * Usage: bun bench/runs.ts   (needs the engines from scripts/build-clients.sh)
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCertificates } from "../e2e/lib/tls.ts";
import { freePort, percentile, startServer, timeUntil, verdict } from "./lib.ts";

const token = "bench-admin-token-0123456789";
const binDir =
  Bun.env.TERRAPOD_BINARY_DIR ?? join(Bun.env.HOME ?? "/root", ".cache", "terrapod", "tools", "bin");
const cli = Bun.env.BENCH_CLI ?? "tofu-1.12.6";
const engine = cli.startsWith("tofu") ? "tofu" : "terraform";
const cliPath = join(binDir, cli);
if (!(await Bun.file(cliPath).exists())) {
  console.error(`missing ${cliPath}: run scripts/build-clients.sh first`);
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), "tp-bench-runs-"));
const certs = await createTestCertificates(join(dir, "certs"), "/usr/bin/openssl");
const port = await freePort();
const base = `https://localhost:${port}`;
const server = startServer({
  TERRAPOD_PORT: String(port),
  TERRAPOD_HOST: "127.0.0.1",
  TERRAPOD_DATA_DIR: join(dir, "data"),
  TERRAPOD_ADMIN_TOKEN: token,
  TERRAPOD_TLS_CERT: certs.serverCert,
  TERRAPOD_TLS_KEY: certs.serverKey,
  TERRAPOD_BINARY_DIR: binDir,
  TERRAPOD_RATE_LIMIT: "1000000",
  TERRAPOD_RUNNER_CONCURRENCY: "4",
  TERRAPOD_LOG_LEVEL: "error",
});
const ca = await Bun.file(certs.caCert).text();
const tls = { tls: { ca } } as RequestInit;

type Doc = { data: { id: string; attributes: Record<string, unknown> } };
async function api(path: string, init: RequestInit = {}): Promise<Doc> {
  const res = await fetch(`${base}/api/v2${path}`, {
    ...tls,
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/vnd.api+json" },
  });
  if (res.status >= 300)
    throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Doc;
}

async function workspace(name: string, attributes: Record<string, unknown> = {}) {
  return (
    await api("/organizations/default/workspaces", {
      method: "POST",
      body: JSON.stringify({ data: { type: "workspaces", attributes: { name, engine, ...attributes } } }),
    })
  ).data.id;
}

async function archive(files: Record<string, string>): Promise<Blob> {
  const src = await mkdtemp(join(dir, "cfg-"));
  for (const [name, content] of Object.entries(files)) await writeFile(join(src, name), content);
  await Bun.spawn(["tar", "-czf", `${src}.tgz`, "-C", src, ...Object.keys(files)]).exited;
  return new Blob([await Bun.file(`${src}.tgz`).arrayBuffer()]);
}

async function uploadedCv(ws: string, body: Blob): Promise<string> {
  const cv = await api(`/workspaces/${ws}/configuration-versions`, {
    method: "POST",
    body: JSON.stringify({
      data: { type: "configuration-versions", attributes: { "auto-queue-runs": false } },
    }),
  });
  const put = await fetch(String(cv.data.attributes["upload-url"]), { ...tls, method: "PUT", body });
  if (put.status !== 200) throw new Error(`upload ${put.status}`);
  return cv.data.id;
}

async function createRun(ws: string, cv: string, attributes: Record<string, unknown> = {}) {
  return (
    await api("/runs", {
      method: "POST",
      body: JSON.stringify({
        data: {
          type: "runs",
          attributes,
          relationships: {
            workspace: { data: { type: "workspaces", id: ws } },
            "configuration-version": { data: { type: "configuration-versions", id: cv } },
          },
        },
      }),
    })
  ).data;
}

const terminal = new Set(["applied", "errored", "canceled", "discarded", "planned_and_finished"]);

try {
  await timeUntil(`http://127.0.0.1:${port}/healthz`, 404, performance.now()).catch(() => 0);
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${base}/readyz`, tls)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    await Bun.sleep(100);
  }

  // (b) creation → planning, idle executor: a speculative plan on a tiny configuration, one at a time.
  const small = await archive({ "main.tf": 'resource "terraform_data" "a" {}\n' });
  const wsB = await workspace("bench-latency");
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const cv = await uploadedCv(wsB, small);
    const t0 = performance.now();
    const run = await createRun(wsB, cv, { "plan-only": true });
    for (;;) {
      const r = await api(`/runs/${run.id}`);
      const s = String(r.data.attributes.status);
      if (s !== "pending" && s !== "plan_queued") {
        latencies.push(performance.now() - t0);
        break;
      }
      await Bun.sleep(2);
    }
    for (;;) {
      const r = await api(`/runs/${run.id}`);
      if (terminal.has(String(r.data.attributes.status))) break;
      await Bun.sleep(50);
    }
  }
  latencies.sort((a, b) => a - b);

  // (c) 50 runs across 10 workspaces, queued at once: all finish, each workspace in creation order.
  const queuedAt = performance.now();
  const created: { ws: string; id: string; n: number }[] = [];
  const spaces = await Promise.all(
    Array.from({ length: 10 }, (_, i) => workspace(`bench-queue-${i}`, { "auto-apply": true })),
  );
  for (const ws of spaces) {
    const cfg = await archive({ "main.tf": 'resource "terraform_data" "a" { input = timestamp() }\n' });
    const cv = await uploadedCv(ws, cfg);
    for (let n = 0; n < 5; n++) created.push({ ws, id: (await createRun(ws, cv)).id, n });
  }
  const done = new Map<string, { status: string; appliedAt: string; planningAt: string }>();
  while (done.size < created.length) {
    for (const c of created) {
      if (done.has(c.id)) continue;
      const r = await api(`/runs/${c.id}`);
      const status = String(r.data.attributes.status);
      if (terminal.has(status)) {
        const ts = r.data.attributes["status-timestamps"] as Record<string, string>;
        done.set(c.id, { status, appliedAt: ts["applied-at"] ?? "", planningAt: ts["planning-at"] ?? "" });
      }
    }
    if (performance.now() - queuedAt > 15 * 60_000)
      throw new Error("queued runs did not finish within 15 minutes");
    await Bun.sleep(250);
  }
  const queueSeconds = (performance.now() - queuedAt) / 1000;
  let applied = 0;
  let inOrder = true;
  for (const ws of spaces) {
    const mine = created.filter((c) => c.ws === ws).sort((a, b) => a.n - b.n);
    for (let i = 0; i < mine.length; i++) {
      const cur = done.get(mine[i]?.id ?? "");
      if (cur?.status === "applied") applied += 1;
      const prev = i > 0 ? done.get(mine[i - 1]?.id ?? "") : undefined;
      // strictly serial: a run starts planning only after the previous one of its workspace applied
      if (prev && cur && !(prev.appliedAt && cur.planningAt >= prev.appliedAt)) inOrder = false;
    }
  }

  // (a) 100 terraform_data resources: CLI apply through Terrapod (remote execution) vs the local backend.
  const resources = Array.from(
    { length: 100 },
    (_, i) => `resource "terraform_data" "r${i}" { input = "${i}" }`,
  ).join("\n");
  const cliHome = join(dir, "home");
  await mkdir(cliHome, { recursive: true });
  const rc = join(dir, "cli.rc");
  await writeFile(rc, `credentials "localhost:${port}" {\n  token = "${token}"\n}\n`);
  const env = {
    PATH: "/usr/bin:/bin",
    HOME: cliHome,
    TF_CLI_CONFIG_FILE: rc,
    SSL_CERT_FILE: certs.caCert,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
  };
  const cliRun = async (cwd: string, args: string[]) => {
    const t0 = performance.now();
    const p = Bun.spawn([cliPath, ...args], { cwd, env, stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([
      p.exited,
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
    ]);
    if (code !== 0) throw new Error(`${cli} ${args.join(" ")} exited ${code}\n${out}\n${err}`);
    return performance.now() - t0;
  };
  const localDir = join(dir, "local");
  const remoteDir = join(dir, "remote");
  await mkdir(localDir);
  await mkdir(remoteDir);
  await writeFile(join(localDir, "main.tf"), resources);
  const applyWs = await workspace("bench-apply");
  await writeFile(
    join(remoteDir, "main.tf"),
    `terraform {\n  cloud {\n    hostname = "localhost:${port}"\n    organization = "default"\n    workspaces { name = "bench-apply" }\n  }\n}\n${resources}`,
  );
  await cliRun(localDir, ["init", "-input=false"]);
  await cliRun(remoteDir, ["init", "-input=false"]);
  const localMs = await cliRun(localDir, ["apply", "-auto-approve", "-input=false"]);
  const remoteMs = await cliRun(remoteDir, ["apply", "-auto-approve", "-input=false"]);
  const ratio = remoteMs / localMs;
  // How much of the remote time is the server's: run creation to applied, from the run's timestamps.
  const listed = (await (
    await fetch(`${base}/api/v2/workspaces/${applyWs}/runs`, {
      ...tls,
      headers: { authorization: `Bearer ${token}` },
    })
  ).json()) as {
    data: { attributes: { "created-at": string; "status-timestamps": Record<string, string> } }[];
  };
  const last = listed.data[0]?.attributes;
  const serverMs = last
    ? Date.parse(last["status-timestamps"]["applied-at"] ?? "") - Date.parse(last["created-at"])
    : Number.NaN;

  console.log(`\nbench/runs (${cli}, embedded server with TLS, runner concurrency 4)\n`);
  console.log("| measure | figure | target | verdict |");
  console.log("|---|---|---|---|");
  console.log(
    `| (a) apply -auto-approve, 100 terraform_data: local backend | ${(localMs / 1000).toFixed(2)} s | | |`,
  );
  console.log(`| (a) same apply through Terrapod (remote run) | ${(remoteMs / 1000).toFixed(2)} s | | |`);
  console.log(
    `| (a) of which the server: run created → applied (plan, apply, state saved) | ${(serverMs / 1000).toFixed(2)} s | | |`,
  );
  console.log(`| (a) ratio remote / local | ${ratio.toFixed(2)} | ≤ 1.3 | ${verdict(ratio <= 1.3)} |`);
  console.log(
    `| (b) run created → planning, p50 (20 runs, idle executor) | ${percentile(latencies, 50).toFixed(0)} ms | ≤ 200 ms | ${verdict(percentile(latencies, 50) <= 200)} |`,
  );
  console.log(
    `| (b) p95 / max | ${percentile(latencies, 95).toFixed(0)} / ${(latencies.at(-1) ?? 0).toFixed(0)} ms | | |`,
  );
  console.log(
    `| (c) 50 runs / 10 workspaces: applied | ${applied} / 50 in ${queueSeconds.toFixed(1)} s | 50 | ${verdict(applied === 50)} |`,
  );
  console.log(
    `| (c) each workspace strictly in order | ${inOrder ? "yes" : "no"} | yes | ${verdict(inOrder)} |`,
  );
} finally {
  server.kill("SIGTERM");
  await server.exited;
  await rm(dir, { recursive: true, force: true });
}
