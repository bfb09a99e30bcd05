import { createHmac } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateKeySpec, type Keyring } from "@terrapod/storage";
import type { ServerConfig } from "./config.ts";

/**
 * The encryption keyring spec: from config, or (embedded mode only) generated once into the data dir
 * with mode 0600 and reused on every later start.
 */
export async function resolveKeyringSpec(config: ServerConfig): Promise<string> {
  if (config.encryptionKey) return config.encryptionKey;
  const path = join(config.dataDir, "encryption.key");
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(config.dataDir, { recursive: true });
  const spec = generateKeySpec();
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${spec}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return spec;
}

/** The HMAC key for capability URLs, derived from the active encryption key (shared by all replicas). */
export function deriveCapabilityKey(keyring: Keyring): Uint8Array {
  return createHmac("sha256", keyring.active.key).update("terrapod/capability-urls/v1").digest();
}
