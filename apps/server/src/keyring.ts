import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateKeySpec } from "@terrapod/storage";
import type { ServerConfig } from "./config.ts";

/**
 * The encryption keyring spec: from config, or (embedded mode only) generated once into the data dir
 * with mode 0600 and reused on every later start.
 */
export async function resolveKeyringSpec(config: ServerConfig): Promise<string> {
  if (config.encryptionKey) return config.encryptionKey;
  return readOrCreateKeyFile(config.dataDir, "encryption.key", generateKeySpec);
}

/**
 * The HMAC key of capability URLs: its own key, never derived from the encryption key, so rotating
 * that one leaves URLs in flight valid. From config (required with DATABASE_URL: every replica must
 * verify what another issued), or in embedded mode generated once into the data dir (0600).
 */
export async function resolveCapabilityKey(config: ServerConfig): Promise<Uint8Array> {
  const encoded =
    config.capabilityKey ??
    (await readOrCreateKeyFile(config.dataDir, "capability.key", generateCapabilityKey));
  const key = Buffer.from(encoded, "base64");
  if (key.length !== 32) {
    throw new Error(`the capability key in ${join(config.dataDir, "capability.key")} is not 32 bytes`);
  }
  return new Uint8Array(key);
}

/** A new capability key: base64 of 32 random bytes (`bun apps/server/src/keygen.ts capability`). */
export function generateCapabilityKey(): string {
  return randomBytes(32).toString("base64");
}

/** The trimmed content of `<dataDir>/<name>`, written first (0600, atomically) when it does not exist. */
async function readOrCreateKeyFile(dataDir: string, name: string, generate: () => string): Promise<string> {
  const path = join(dataDir, name);
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const value = generate();
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${value}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return value;
}
