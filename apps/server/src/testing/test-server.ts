import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomIdPart } from "@terrapod/kernel";
import { type BlobStore, createFsBlobStore } from "@terrapod/storage";
import { createS3BlobStore } from "@terrapod/storage/s3";
import {
  createTestDb,
  type TestDbHandle,
  testBackend,
  testBinaryDir,
  testProviderMirror,
  testRedisUrl,
  testS3,
} from "@terrapod/testing";
import { loadServerConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { type RunningServer, startServer } from "../server.ts";

export type TestServer = {
  readonly url: string;
  readonly adminToken: string;
  readonly server: RunningServer;
  readonly dataDir: string;
  /** The server's database, for tests that inspect what was stored. */
  readonly db: TestDbHandle;
  /** Keys the server stored under a prefix, read straight from its blob store (filesystem or S3). */
  blobKeys(prefix: string): Promise<string[]>;
  /** Authenticated fetch against the server (JSON:API headers set). */
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(): Promise<void>;
};

export type TestServerOptions = {
  /** PEM paths: serve https with this certificate. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Extra environment for the config loader. */
  readonly env?: Record<string, string>;
};

/**
 * Starts a real Terrapod server in-process on a random loopback port, on a fresh migrated database.
 * The `pglite` test backend gives the embedded shape (PGlite, in-process events, filesystem blobs); the
 * `postgres` backend gives the production shape (PostgreSQL, Redis, an S3-compatible server).
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "terrapod-test-"));
  const adminToken = `test-admin-${randomIdPart(24)}`;
  const backend = testBackend();
  const env: Record<string, string> = {
    TERRAPOD_HOST: "127.0.0.1",
    TERRAPOD_PORT: "0",
    TERRAPOD_DATA_DIR: dataDir,
    TERRAPOD_ADMIN_TOKEN: adminToken,
    TERRAPOD_LOG_LEVEL: "silent",
    TERRAPOD_RATE_LIMIT: "100000",
    ...(testBinaryDir() ? { TERRAPOD_BINARY_DIR: testBinaryDir() ?? "" } : {}),
    ...(testProviderMirror() ? { TERRAPOD_PROVIDER_MIRROR_DIR: testProviderMirror() ?? "" } : {}),
    ...(opts.tls ? { TERRAPOD_TLS_CERT: opts.tls.cert, TERRAPOD_TLS_KEY: opts.tls.key } : {}),
    ...opts.env,
  };
  let blobs: Pick<BlobStore, "list"> = createFsBlobStore({ root: join(dataDir, "blobs") });
  if (backend === "postgres") {
    const s3 = testS3();
    const bucket = `tp-${randomIdPart(10).toLowerCase()}`;
    const s3Blobs = createS3BlobStore({ ...s3, bucket, credentials: s3 });
    await s3Blobs.ensureBucket();
    blobs = s3Blobs;
    Object.assign(env, {
      DATABASE_URL: "postgres://placeholder/overridden-by-test-db",
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
  const config = loadServerConfig(env);
  const db = await createTestDb();
  const server = await startServer(config, { log: createLogger({ level: config.log.level }), db });
  await server.ready;
  const url = server.url.toString().replace(/\/$/, "");
  return {
    url,
    adminToken,
    server,
    dataDir,
    db,
    async blobKeys(prefix) {
      const keys: string[] = [];
      for await (const key of blobs.list(prefix)) keys.push(key);
      return keys;
    },
    api(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      const bearer = token === undefined ? adminToken : token;
      if (bearer) headers.set("authorization", `Bearer ${bearer}`);
      if (!headers.has("content-type") && rest.body !== undefined)
        headers.set("content-type", "application/vnd.api+json");
      headers.set("accept", "application/vnd.api+json");
      return fetch(`${url}${path}`, { ...rest, headers });
    },
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
