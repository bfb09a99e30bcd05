/**
 * bench/startup: time to the first successful ping on a first start (empty data dir / empty database)
 * and on a restart, and idle RSS, for the embedded mode and for external PostgreSQL.
 * Targets: restart ≤ 1 s; idle RSS ≤ 350 MB embedded, ≤ 150 MB with external PostgreSQL.
 * Usage: bun bench/startup.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { startServices } from "../scripts/lib/services.ts";
import { freePort, mb, rssBytes, startServer, timeUntil, verdict } from "./lib.ts";

type Figures = { firstMs: number; restartMs: number; idleRss: number };

async function measure(env: Record<string, string>): Promise<Figures> {
  const port = await freePort();
  const full = { ...env, TERRAPOD_PORT: String(port), TERRAPOD_HOST: "127.0.0.1" };
  const ping = `http://127.0.0.1:${port}/api/v2/ping`;

  let t0 = performance.now();
  let proc = startServer(full);
  const firstMs = await timeUntil(ping, 204, t0);
  proc.kill("SIGTERM");
  await proc.exited;

  t0 = performance.now();
  proc = startServer(full);
  const restartMs = await timeUntil(ping, 204, t0);
  // let the process settle (JIT, GC) before reading idle memory
  await Bun.sleep(5000);
  Bun.gc?.(true);
  const idleRss = await rssBytes(proc.pid);
  proc.kill("SIGTERM");
  await proc.exited;
  return { firstMs, restartMs, idleRss };
}

const rows: [string, Figures, number][] = [];

const embeddedDir = await mkdtemp(join(tmpdir(), "tp-bench-startup-"));
try {
  rows.push([
    "embedded (PGlite, filesystem, in-process events)",
    await measure({ TERRAPOD_DATA_DIR: embeddedDir, TERRAPOD_ADMIN_TOKEN: "bench-admin-token-0123456789" }),
    350,
  ]);
} finally {
  await rm(embeddedDir, { recursive: true, force: true });
}

const services = await startServices(["postgres"], { log: () => {} });
const pgDir = await mkdtemp(join(tmpdir(), "tp-bench-startup-pg-"));
try {
  const admin = services.env.TERRAPOD_TEST_DATABASE_URL ?? "";
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  await sql`create database bench_startup`;
  await sql.end();
  rows.push([
    "external PostgreSQL",
    await measure({
      TERRAPOD_DATA_DIR: pgDir,
      DATABASE_URL: admin.replace(/\/postgres$/, "/bench_startup"),
      TERRAPOD_ENCRYPTION_KEY: "bench=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      TERRAPOD_CAPABILITY_KEY: "Y2FwYWJpbGl0eS1rZXktZm9yLXRlc3RzLTMyYnl0ZXM=",
      TERRAPOD_ADMIN_TOKEN: "bench-admin-token-0123456789",
    }),
    150,
  ]);
} finally {
  await rm(pgDir, { recursive: true, force: true });
  await services.stop();
}

console.log("\nbench/startup (time to first successful GET /api/v2/ping; RSS 5 s after the restart)\n");
console.log("| shape | first start | restart | idle RSS | restart ≤ 1 s | RSS target |");
console.log("|---|---|---|---|---|---|");
for (const [name, f, rssTargetMb] of rows) {
  console.log(
    `| ${name} | ${(f.firstMs / 1000).toFixed(2)} s | ${(f.restartMs / 1000).toFixed(2)} s | ${mb(f.idleRss)} | ${verdict(f.restartMs <= 1000)} | ≤ ${rssTargetMb} MB: ${verdict(f.idleRss <= rssTargetMb * 1024 * 1024)} |`,
  );
}
