import { join } from "node:path";
import { createCapabilitySigner, createJobTokens } from "@terrapod/auth";
import { createDb, type DbHandle } from "@terrapod/db";
import { createMemoryEvents, type Events } from "@terrapod/events";
import { systemClock } from "@terrapod/kernel";
import {
  type BlobStore,
  createEncryptedBlobStore,
  createFsBlobStore,
  createSecretBox,
  parseKeyring,
} from "@terrapod/storage";
import type { ServerConfig } from "./config.ts";
import { resolveCapabilityKey, resolveKeyringSpec } from "./keyring.ts";

/** Every connection and key the server runs on, built from config. */
export type Adapters = Awaited<ReturnType<typeof createAdapters>>;

/**
 * Config → database, blob store (encrypted at rest), events, keyring, capability signer and job tokens.
 * The AWS SDK and ioredis load only when configured: the embedded shape starts faster without them.
 */
export async function createAdapters(config: ServerConfig, opened?: DbHandle) {
  const keyring = parseKeyring(await resolveKeyringSpec(config));
  const rawBlobs = await createRawBlobStore(config);
  const events: Events = config.redis
    ? (await import("@terrapod/events/redis")).createRedisEvents({
        url: config.redis.url,
        keyPrefix: "terrapod:",
      })
    : createMemoryEvents();
  // PGlite opens here (seconds on a first start); PostgreSQL connects lazily, so this never blocks on it.
  const db: DbHandle = opened ?? (await createDb(config.db));
  const capabilities = createCapabilitySigner(await resolveCapabilityKey(config), systemClock);
  return {
    db,
    rawBlobs,
    blobs: createEncryptedBlobStore(rawBlobs, keyring),
    secrets: createSecretBox(keyring),
    events,
    capabilities,
    jobTokens: createJobTokens(capabilities),
    async close() {
      await events.close();
      await db.close();
    },
  };
}

async function createRawBlobStore(config: ServerConfig): Promise<BlobStore> {
  const s3 = config.s3;
  if (!s3) return createFsBlobStore({ root: join(config.dataDir, "blobs") });
  const { createS3BlobStore } = await import("@terrapod/storage/s3");
  const credentials =
    s3.accessKeyId && s3.secretAccessKey
      ? {
          accessKeyId: s3.accessKeyId,
          secretAccessKey: s3.secretAccessKey,
          ...(s3.sessionToken ? { sessionToken: s3.sessionToken } : {}),
        }
      : undefined;
  return createS3BlobStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials,
  });
}
