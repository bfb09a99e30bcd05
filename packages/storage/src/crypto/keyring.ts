import { createHash, createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { InvalidError } from "@terrapod/kernel";

/** Length of every key in the ring (AES-256). */
export const keyBytes = 32;

export type KeyringEntry = {
  /** Short identifier written into every ciphertext, so decryption can pick the right key. */
  readonly id: string;
  readonly key: KeyObject;
};

/** Keys for envelope encryption. The active key seals new data; every key can open old data. */
export type Keyring = {
  readonly active: KeyringEntry;
  /** All ids, active first, in spec order. */
  readonly ids: readonly string[];
  find(id: string): KeyringEntry | undefined;
};

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2})$/;

/**
 * Parses a keyring spec: comma-separated entries, each `id=BASE64` or a bare `BASE64` (whose id is the
 * first 8 hex digits of the key's SHA-256). Keys are 32 random bytes in standard or URL-safe base64.
 * The first entry is the active key; list retired keys after it until nothing they sealed remains.
 * Errors name the entry by position and id, never by its key material.
 */
export function parseKeyring(spec: string): Keyring {
  const trimmed = spec.trim();
  if (trimmed === "") throw new InvalidError("encryption keyring is empty: expected `id=BASE64[,…]`");
  const entries: KeyringEntry[] = [];
  const byId = new Map<string, KeyringEntry>();
  trimmed.split(",").forEach((raw, index) => {
    const entry = parseEntry(raw.trim(), index + 1);
    if (byId.has(entry.id)) {
      throw new InvalidError(`keyring entry #${index + 1}: duplicate key id "${entry.id}"`);
    }
    byId.set(entry.id, entry);
    entries.push(entry);
  });
  const [active] = entries;
  if (active === undefined) throw new InvalidError("encryption keyring is empty");
  return { active, ids: entries.map((e) => e.id), find: (id) => byId.get(id) };
}

function parseEntry(entry: string, position: number): KeyringEntry {
  if (entry === "") throw new InvalidError(`keyring entry #${position} is empty`);
  const eq = entry.indexOf("=");
  // `id=KEY` when there is text after the first "="; otherwise the "=" (if any) is base64 padding.
  const hasId = eq > 0 && eq < entry.length - 1 && !/^=+$/.test(entry.slice(eq));
  const id = hasId ? entry.slice(0, eq) : undefined;
  const encoded = hasId ? entry.slice(eq + 1) : entry;
  const label = id === undefined ? `keyring entry #${position}` : `keyring entry #${position} ("${id}")`;
  if (id !== undefined && !idPattern.test(id)) {
    throw new InvalidError(`${label}: key id must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-"`);
  }
  if (!base64Pattern.test(encoded)) throw new InvalidError(`${label}: key is not valid base64`);
  const raw = Buffer.from(encoded, "base64");
  try {
    if (raw.byteLength !== keyBytes) {
      throw new InvalidError(`${label}: key must decode to ${keyBytes} bytes, got ${raw.byteLength}`);
    }
    return { id: id ?? keyFingerprint(raw), key: createSecretKey(raw) };
  } finally {
    raw.fill(0);
  }
}

/** The id a bare key gets: the first 8 hex digits of SHA-256(key). */
export function keyFingerprint(key: Uint8Array): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

/** A fresh `id=BASE64` entry from the system CSPRNG; the id is the key's fingerprint unless given. */
export function generateKeySpec(id?: string): string {
  if (id !== undefined && !idPattern.test(id)) {
    throw new InvalidError(`key id must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-"`);
  }
  const key = randomBytes(keyBytes);
  try {
    return `${id ?? keyFingerprint(key)}=${key.toString("base64")}`;
  } finally {
    key.fill(0);
  }
}
