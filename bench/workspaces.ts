/**
 * bench/workspaces: with 10,000 workspaces (and 3 state versions each) in PostgreSQL,
 * `GET /api/v2/organizations/default/workspaces?page[size]=20` over random pages (deep ones included),
 * driven by wrk on loopback; then a 100 MB state upload and download, streamed, with the server's RSS
 * sampled throughout.
 * Targets: p50 ≤ 10 ms, p95 ≤ 25 ms; RSS growth ≤ 30 MB for the upload and for the download.
 * Usage: bun bench/workspaces.ts [--workspaces 10000]
 */
import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { startServices } from "../scripts/lib/services.ts";
import { ensureApt } from "../scripts/lib/tools.ts";
import { freePort, mb, rssBytes, startServer, timeUntil, verdict } from "./lib.ts";

const count = Number(process.argv[process.argv.indexOf("--workspaces") + 1] || "10000") || 10000;
const token = "bench-admin-token-0123456789";
await ensureApt([{ pkg: "wrk", present: () => existsSync("/usr/bin/wrk") }]);

const services = await startServices(["postgres"], { log: () => {} });
const dir = await mkdtemp(join(tmpdir(), "tp-bench-ws-"));
let server: ReturnType<typeof startServer> | undefined;
try {
  const admin = services.env.TERRAPOD_TEST_DATABASE_URL ?? "";
  const setup = postgres(admin, { max: 1, onnotice: () => {} });
  await setup`create database bench_ws`;
  await setup.end();
  const url = admin.replace(/\/postgres$/, "/bench_ws");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = startServer({
    TERRAPOD_PORT: String(port),
    TERRAPOD_HOST: "127.0.0.1",
    TERRAPOD_DATA_DIR: dir,
    DATABASE_URL: url,
    TERRAPOD_ENCRYPTION_KEY: "bench=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    TERRAPOD_CAPABILITY_KEY: "Y2FwYWJpbGl0eS1rZXktZm9yLXRlc3RzLTMyYnl0ZXM=",
    TERRAPOD_ADMIN_TOKEN: token,
    TERRAPOD_RATE_LIMIT: "1000000",
    TERRAPOD_LOG_LEVEL: "error",
  });
  await timeUntil(`${base}/api/v2/ping`, 204, performance.now());

  // Seed through SQL (the API would take minutes): workspaces with tags and three state versions each.
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const seeded = performance.now();
  const [org] = await sql<{ id: string; project: string }[]>`
    select o.id, p.id as project from organizations o join projects p on p.organization_id = o.id and p.is_default
    where o.name = 'default'`;
  if (!org) throw new Error("no default organization");
  await sql`insert into tags (id, organization_id, name, created_at)
    select 'tag-bench' || g, ${org.id}, 'team-' || g, now() from generate_series(1, 20) g`;
  await sql`insert into workspaces (id, organization_id, project_id, name, created_at, updated_at, resource_count)
    select 'ws-bench' || lpad(g::text, 8, '0'), ${org.id}, ${org.project}, 'bench-' || lpad(g::text, 6, '0'), now(), now(), g % 50
    from generate_series(1, ${count}) g`;
  await sql`insert into workspace_tags (workspace_id, tag_id)
    select 'ws-bench' || lpad(g::text, 8, '0'), 'tag-bench' || (1 + g % 20) from generate_series(1, ${count}) g`;
  await sql`insert into state_versions (id, workspace_id, serial, lineage, md5, status, size, resources_processed, created_at, finalized_at)
    select 'sv-bench' || lpad(g::text, 8, '0') || '-' || s, 'ws-bench' || lpad(g::text, 8, '0'), s, 'lineage-' || g,
           md5(g::text || s), 'finalized', 4096, true, now() - (4 - s) * interval '1 hour', now()
    from generate_series(1, ${count}) g, generate_series(1, 3) s`;
  await sql`update workspaces set current_state_version_id = id_sv from (
      select 'ws-bench' || lpad(g::text, 8, '0') as wid, 'sv-bench' || lpad(g::text, 8, '0') || '-3' as id_sv
      from generate_series(1, ${count}) g) x where workspaces.id = x.wid`;
  await sql`analyze`;
  await sql.end();
  console.log(
    `seeded ${count} workspaces and ${count * 3} state versions in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
  );

  // Warm up, then drive the list endpoint with wrk over random pages 1..N.
  const pages = Math.ceil(count / 20);
  const script = join(dir, "pages.lua");
  await writeFile(
    script,
    `math.randomseed(42)
request = function()
  local p = math.random(1, ${pages})
  return wrk.format("GET", "/api/v2/organizations/default/workspaces?page%5Bsize%5D=20&page%5Bnumber%5D=" .. p, {["Authorization"] = "Bearer ${token}", ["Accept"] = "application/vnd.api+json"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %.3f\\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
`,
  );
  const deep = await fetch(
    `${base}/api/v2/organizations/default/workspaces?page[size]=20&page[number]=${pages}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  const deepDoc = (await deep.json()) as { data: unknown[]; meta: { pagination: { "total-count": number } } };
  if (deep.status !== 200 || deepDoc.meta.pagination["total-count"] !== count || deepDoc.data.length === 0) {
    throw new Error(`unexpected list answer on the last page: ${deep.status}`);
  }
  const wrk = async (seconds: number, connections: number) => {
    const proc = Bun.spawn(["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "-s", script, base], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = await new Response(proc.stdout).text();
    await proc.exited;
    const m = /RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(out);
    if (!m) throw new Error(`wrk failed: ${out}${await new Response(proc.stderr).text()}`);
    return {
      requests: Number(m[1]),
      errors: Number(m[2]),
      p50: Number(m[3]),
      p95: Number(m[4]),
      p99: Number(m[5]),
      max: Number(m[6]),
    };
  };
  await wrk(3, 4);
  const list = await wrk(15, 1);
  const loaded = await wrk(15, 4);

  // 100 MB state: upload through the CLI's two-step flow, download through the capability URL.
  const statePath = join(dir, "big.tfstate");
  const md5 = await writeBigState(statePath, 100 * 1024 * 1024);
  const size = (await stat(statePath)).size;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v2${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/vnd.api+json",
        ...init.headers,
      },
    });
  const wsRes = await api("/organizations/default/workspaces", {
    method: "POST",
    body: JSON.stringify({ data: { type: "workspaces", attributes: { name: "big-state" } } }),
  });
  const wsId = ((await wsRes.json()) as { data: { id: string } }).data.id;
  await api(`/workspaces/${wsId}/actions/lock`, { method: "POST" });
  const svRes = await api(`/workspaces/${wsId}/state-versions`, {
    method: "POST",
    body: JSON.stringify({
      data: { type: "state-versions", attributes: { serial: 1, md5, lineage: "big" } },
    }),
  });
  const sv = (await svRes.json()) as {
    data: { id: string; attributes: { "hosted-state-upload-url": string } };
  };
  const pid = server.pid;
  const upload = await sampled(pid, async () => {
    const res = await fetch(sv.data.attributes["hosted-state-upload-url"], {
      method: "PUT",
      body: Bun.file(statePath),
    });
    if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  });
  const current = (await (await api(`/workspaces/${wsId}/current-state-version`)).json()) as {
    data: { attributes: { "hosted-state-download-url": string; size: number } };
  };
  let downloaded = 0;
  const download = await sampled(pid, async () => {
    const res = await fetch(current.data.attributes["hosted-state-download-url"]);
    const hash = createHash("md5");
    for await (const chunk of res.body ?? new ReadableStream()) {
      hash.update(chunk);
      downloaded += chunk.byteLength;
    }
    if (hash.digest("hex") !== md5) throw new Error("downloaded state differs from the upload");
  });

  console.log("\nbench/workspaces\n");
  console.log("| measure | figure | target | verdict |");
  console.log("|---|---|---|---|");
  console.log(
    `| list p50, 1 connection (${list.requests} requests, random pages 1..${pages}) | ${list.p50.toFixed(2)} ms | ≤ 10 ms | ${verdict(list.p50 <= 10)} |`,
  );
  console.log(
    `| list p95, 1 connection | ${list.p95.toFixed(2)} ms | ≤ 25 ms | ${verdict(list.p95 <= 25)} |`,
  );
  console.log(`| list p99 / max, 1 connection | ${list.p99.toFixed(2)} / ${list.max.toFixed(2)} ms | | |`);
  console.log(
    `| list p50 / p95, 4 connections (${loaded.requests} requests; 2 cores shared with PostgreSQL and wrk) | ${loaded.p50.toFixed(2)} / ${loaded.p95.toFixed(2)} ms | | |`,
  );
  console.log(
    `| list errors | ${list.errors + loaded.errors} | 0 | ${verdict(list.errors + loaded.errors === 0)} |`,
  );
  console.log(
    `| ${mb(size)} state upload: time, RSS growth | ${(upload.ms / 1000).toFixed(1)} s, ${mb(upload.growth)} | ≤ 30 MB | ${verdict(upload.growth <= 30 * 1024 * 1024)} |`,
  );
  console.log(
    `| ${mb(downloaded)} state download: time, RSS growth | ${(download.ms / 1000).toFixed(1)} s, ${mb(download.growth)} | ≤ 30 MB | ${verdict(download.growth <= 30 * 1024 * 1024)} |`,
  );
} finally {
  server?.kill("SIGTERM");
  await server?.exited;
  await services.stop();
  await rm(dir, { recursive: true, force: true });
}

/** Runs `fn` while sampling the server's RSS every 20 ms; growth = peak − RSS before. */
async function sampled(pid: number, fn: () => Promise<void>) {
  Bun.gc?.(true);
  await Bun.sleep(500);
  const before = await rssBytes(pid);
  let peak = before;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await rssBytes(pid));
      await Bun.sleep(20);
    }
  })();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  running = false;
  await sampler;
  return { ms, growth: peak - before };
}

/** Writes a valid state file of about `bytes` bytes (many small resources) and returns its MD5. */
async function writeBigState(path: string, bytes: number): Promise<string> {
  const hash = createHash("md5");
  const out = createWriteStream(path);
  const write = (s: string) =>
    new Promise<void>((resolve) => {
      hash.update(s);
      if (out.write(s)) resolve();
      else out.once("drain", resolve);
    });
  await write(
    '{"version":4,"terraform_version":"1.5.7","serial":1,"lineage":"big","outputs":{"o":{"value":"x","type":"string"}},"resources":[',
  );
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const r = `${i === 0 ? "" : ","}{"mode":"managed","type":"terraform_data","name":"r${i}","provider":"provider[\\"terraform.io/builtin/terraform\\"]","instances":[{"schema_version":0,"attributes":{"id":"${crypto.randomUUID()}","input":"${"x".repeat(800)}","output":null,"triggers_replace":null}}]}`;
    await write(r);
    written += r.length;
  }
  await write("]}\n");
  await new Promise<void>((resolve) => out.end(resolve));
  return hash.digest("hex");
}
