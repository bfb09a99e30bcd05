import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type DbHandle, type RunRow, runs } from "@terrapod/db";
import { randomIdPart } from "@terrapod/kernel";
import { createS3BlobStore } from "@terrapod/storage/s3";
import {
  createTestDb,
  type TestDbHandle,
  testBackend,
  testBinaryDir,
  testDatabaseUrl,
  testProviderMirror,
  testRedisUrl,
  testS3,
} from "@terrapod/testing";
import { listProcs, readProc, treeOf } from "../executor/process-tree.ts";

/** The real program, as a user starts it. */
const mainPath = join(import.meta.dir, "..", "main.ts");

/**
 * A site for the real server program (`bun apps/server/src/main.ts`) in the test backend's shape:
 * embedded (PGlite in the data dir, filesystem blobs) or production (its own PostgreSQL database, an
 * S3 bucket, Redis). Server processes started on it one after the other share its data.
 */
export type ServerSite = {
  readonly env: Record<string, string>;
  readonly dataDir: string;
  readonly adminToken: string;
  /** The runs as stored: any time in production shape, only while no server runs (PGlite). */
  runs(): Promise<RunRow[]>;
  cleanup(): Promise<void>;
};

export async function createServerSite(env: Record<string, string> = {}): Promise<ServerSite> {
  const dataDir = await mkdtemp(join(tmpdir(), "tp-proc-"));
  const adminToken = `proc-admin-${randomIdPart(24)}`;
  const base: Record<string, string> = {
    PATH: Bun.env.PATH ?? "/usr/bin:/bin",
    HOME: tmpdir(),
    TERRAPOD_HOST: "127.0.0.1",
    TERRAPOD_DATA_DIR: dataDir,
    // Outside the data dir (as it must be), created by the server, removed with the site.
    TERRAPOD_RUNNER_WORK_DIR: `${dataDir}-runs`,
    TERRAPOD_ADMIN_TOKEN: adminToken,
    TERRAPOD_LOG_LEVEL: "info",
    TERRAPOD_RATE_LIMIT: "100000",
    ...(testBinaryDir() ? { TERRAPOD_BINARY_DIR: testBinaryDir() ?? "" } : {}),
    ...(testProviderMirror() ? { TERRAPOD_PROVIDER_MIRROR_DIR: testProviderMirror() ?? "" } : {}),
  };
  let db: TestDbHandle | undefined;
  if (testBackend() === "postgres") {
    db = await createTestDb();
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${db.location}`;
    const s3 = testS3();
    const bucket = `tp-${randomIdPart(10).toLowerCase()}`;
    const store = createS3BlobStore({ ...s3, bucket, credentials: s3 });
    await store.ensureBucket();
    store.destroy();
    Object.assign(base, {
      DATABASE_URL: url.toString(),
      TERRAPOD_ENCRYPTION_KEY: "test=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      TERRAPOD_CAPABILITY_KEY: "Y2FwYWJpbGl0eS1rZXktZm9yLXRlc3RzLTMyYnl0ZXM=",
      REDIS_URL: testRedisUrl(),
      TERRAPOD_S3_BUCKET: bucket,
      TERRAPOD_S3_ENDPOINT: s3.endpoint,
      AWS_REGION: s3.region,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
  }
  return {
    env: { ...base, ...env },
    dataDir,
    adminToken,
    async runs() {
      const read = (handle: DbHandle) => handle.db.select().from(runs);
      if (db) return read(db);
      const embedded = await createDb({ kind: "pglite", dataDir: join(dataDir, "pgdata") });
      try {
        return await read(embedded);
      } finally {
        await embedded.close();
      }
    },
    async cleanup() {
      await db?.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(`${dataDir}-runs`, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** A running server program; its output (JSON logs) is kept for failure messages. */
export type ServerProcess = {
  readonly proc: ReturnType<typeof Bun.spawn>;
  readonly base: string;
  output(): string;
  /** Authenticated JSON:API call as the site's admin. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** SIGTERM, then the exit code and how long the shutdown took. */
  terminate(): Promise<{ code: number; ms: number }>;
};

export function startServerProcess(
  site: ServerSite,
  port: number,
  env: Record<string, string> = {},
): ServerProcess {
  const proc = Bun.spawn([process.execPath, mainPath], {
    env: { ...site.env, TERRAPOD_PORT: String(port), ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  void read(proc.stdout);
  void read(proc.stderr);
  const base = `http://127.0.0.1:${port}`;
  return {
    proc,
    base,
    output: () => output,
    api: (path, init = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${site.adminToken}`,
          "content-type": "application/vnd.api+json",
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
    async terminate() {
      const started = performance.now();
      proc.kill("SIGTERM");
      const code = await proc.exited;
      return { code, ms: Math.round(performance.now() - started) };
    },
  };
}

/** Polls `url` until `ok`; throws with the last answer (and the server's output) when it never is. */
export async function waitReady(server: ServerProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (server.proc.exitCode !== null) break;
    try {
      const res = await fetch(`${server.base}/readyz`);
      if (res.status === 200) return;
      last = `status ${res.status}: ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await Bun.sleep(100);
  }
  throw new Error(`the server never became ready (${last}); its output:\n${server.output().slice(-4000)}`);
}

type Doc = { data: { id: string; attributes: Record<string, unknown> } };

export async function json<T = Doc>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A workspace running `engine` with these attributes; returns its id. */
export async function createWorkspace(server: ServerProcess, name: string, attributes = {}): Promise<string> {
  const ws = await json(
    await server.api("/api/v2/organizations/default/workspaces", {
      method: "POST",
      body: JSON.stringify({
        data: { type: "workspaces", attributes: { name, engine: "tofu", ...attributes } },
      }),
    }),
  );
  return ws.data.id;
}

/** Uploads `main.tf` as a new configuration version and queues a run of it; returns the run id. */
export async function queueRun(server: ServerProcess, workspaceId: string, mainTf: string): Promise<string> {
  const cv = await json(
    await server.api(`/api/v2/workspaces/${workspaceId}/configuration-versions`, {
      method: "POST",
      body: JSON.stringify({
        data: { type: "configuration-versions", attributes: { "auto-queue-runs": false } },
      }),
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), "tp-cfg-"));
  try {
    await writeFile(join(dir, "main.tf"), mainTf);
    if ((await Bun.spawn(["tar", "-czf", join(dir, "c.tgz"), "-C", dir, "main.tf"]).exited) !== 0) {
      throw new Error("tar failed");
    }
    const put = await fetch(String(cv.data.attributes["upload-url"]), {
      method: "PUT",
      body: Bun.file(join(dir, "c.tgz")),
    });
    if (!put.ok) throw new Error(`configuration upload: ${put.status}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const relationships = {
    workspace: { data: { type: "workspaces", id: workspaceId } },
    "configuration-version": { data: { type: "configuration-versions", id: cv.data.id } },
  };
  const run = await json(
    await server.api("/api/v2/runs", {
      method: "POST",
      body: JSON.stringify({ data: { type: "runs", relationships } }),
    }),
  );
  return run.data.id;
}

export async function runAttributes(server: ServerProcess, runId: string): Promise<Record<string, unknown>> {
  return (await json(await server.api(`/api/v2/runs/${runId}`))).data.attributes;
}

/** Waits until the run's status is one of `statuses` (throws with the server's output otherwise). */
export async function waitForRun(
  server: ServerProcess,
  runId: string,
  statuses: readonly string[],
  timeoutMs = 90_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let attributes: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    attributes = await runAttributes(server, runId);
    if (statuses.includes(String(attributes.status))) return attributes;
    await Bun.sleep(200);
  }
  throw new Error(
    `run ${runId} is ${attributes.status}, not ${statuses.join("/")}; server output:\n${server.output().slice(-4000)}`,
  );
}

/** Pids (with start ticks) of live processes whose command line contains `marker`. */
export async function processesWithCommand(marker: string): Promise<{ pid: number; ticks: number }[]> {
  const found: { pid: number; ticks: number }[] = [];
  for (const p of await listProcs()) {
    const cmdline = await readFile(`/proc/${p.pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.replaceAll("\0", " ").includes(marker)) found.push({ pid: p.pid, ticks: p.startTicks });
  }
  return found;
}

/** Every live process `pid` started (children, their children, …), with start ticks. */
export async function descendantsOf(pid: number): Promise<{ pid: number; ticks: number }[]> {
  const root = await readProc(pid);
  if (!root) return [];
  const tree = treeOf(await listProcs(), root);
  return [...tree.members].filter(([p]) => p !== pid).map(([p, ticks]) => ({ pid: p, ticks }));
}

/** Waits until a process whose command line contains `marker` runs. */
export async function waitForProcess(marker: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await processesWithCommand(marker)).length === 0) {
    if (Date.now() > deadline) throw new Error(`no process running ${marker}`);
    await Bun.sleep(100);
  }
}

/**
 * A valid state of about `megabytes` (one `terraform_data` per ~200 bytes), in parts to stream, and the
 * MD5 a client declares for it.
 */
export function largeState(serial: number, lineage: string, megabytes: number) {
  const encoder = new TextEncoder();
  const resource = (i: number) =>
    JSON.stringify({
      mode: "managed",
      type: "terraform_data",
      name: `r${i}`,
      provider: 'provider["terraform.io/builtin/terraform"]',
      instances: [{ schema_version: 0, attributes: { id: `id-${i}`, input: null, output: null } }],
    });
  const parts: Uint8Array[] = [
    encoder.encode(`{"version":4,"serial":${serial},"lineage":"${lineage}","outputs":{},"resources":[`),
  ];
  let bytes = 0;
  for (let i = 0; bytes < megabytes * 1024 * 1024; i += 1000) {
    const items = Array.from({ length: 1000 }, (_, k) => resource(i + k)).join(",");
    const part = encoder.encode(i === 0 ? items : `,${items}`);
    parts.push(part);
    bytes += part.byteLength;
  }
  parts.push(encoder.encode("]}"));
  const hasher = new Bun.CryptoHasher("md5");
  for (const part of parts) hasher.update(part);
  return { parts, md5: hasher.digest("hex"), bytes: parts.reduce((n, p) => n + p.byteLength, 0) };
}

/** Streams `parts`, one every `delayMs`; `sent()` tells how many bytes went out. */
export function slowStream(parts: readonly Uint8Array[], delayMs: number) {
  let next = 0;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next > 0) await Bun.sleep(delayMs);
      const part = parts[next++];
      if (!part) return controller.close();
      sent += part.byteLength;
      controller.enqueue(part);
    },
  });
  return { body, sent: () => sent };
}
