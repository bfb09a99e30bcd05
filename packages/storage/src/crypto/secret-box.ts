import { randomBytes } from "node:crypto";
import { nonceBytes, open, seal, tagBytes, unwrapDataKey, wrapNewDataKey, wrappedKeyBytes } from "./aead.ts";
import { DecryptionError } from "./errors.ts";
import type { Keyring } from "./keyring.ts";

/**
 * Envelope encryption for short secrets (sensitive variables, tokens) stored as text.
 *
 * Format `tp1.<keyId>.<payload>`, payload = base64url(wrapNonce(12) ‖ wrappedDataKey(32) ‖ wrapTag(16)
 * ‖ nonce(12) ‖ ciphertext ‖ tag(16)), 88 bytes of overhead before base64:
 * - a random 256-bit data key per ciphertext, sealed with the keyring key `<keyId>` (AES-256-GCM,
 *   AAD = `terrapod/secret-box/v1/key/<keyId>`);
 * - the UTF-8 plaintext sealed with the data key (AES-256-GCM, AAD = `terrapod/secret-box/v1/data/`
 *   followed by the caller's `aad`, e.g. the variable id, which must be given again to decrypt).
 */
export type SecretBox = {
  /** Id of the key new ciphertexts are sealed with. */
  readonly activeKeyId: string;
  encrypt(plaintext: string, aad?: string): string;
  /** Throws DecryptionError for tampered or foreign ciphertext, a wrong `aad` or an unknown key id. */
  decrypt(ciphertext: string, aad?: string): string;
  /** The key id a ciphertext was sealed with (to find data that still needs re-encrypting after rotation). */
  keyIdOf(ciphertext: string): string;
};

const version = "tp1";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

const keyAad = (keyId: string) => encoder.encode(`terrapod/secret-box/v1/key/${keyId}`);
const dataAad = (aad: string | undefined) => encoder.encode(`terrapod/secret-box/v1/data/${aad ?? ""}`);

export function createSecretBox(keyring: Keyring): SecretBox {
  function encrypt(plaintext: string, aad?: string): string {
    const { id, key } = keyring.active;
    const { dataKey, wrapped } = wrapNewDataKey(key, keyAad(id));
    try {
      const nonce = randomBytes(nonceBytes);
      const sealed = seal(dataKey, nonce, encoder.encode(plaintext), dataAad(aad));
      return `${version}.${id}.${Buffer.concat([wrapped, nonce, sealed]).toString("base64url")}`;
    } finally {
      dataKey.fill(0);
    }
  }

  function decrypt(ciphertext: string, aad?: string): string {
    const { keyId, payload } = parse(ciphertext);
    const entry = keyring.find(keyId);
    if (!entry)
      throw new DecryptionError(`secret was sealed with key "${keyId}", which is not in the keyring`);
    const dataKey = unwrapDataKey(entry.key, payload.subarray(0, wrappedKeyBytes), keyAad(keyId));
    try {
      const nonce = payload.subarray(wrappedKeyBytes, wrappedKeyBytes + nonceBytes);
      const plaintext = open(
        dataKey,
        nonce,
        payload.subarray(wrappedKeyBytes + nonceBytes),
        dataAad(aad),
        "secret",
      );
      return decoder.decode(plaintext);
    } finally {
      dataKey.fill(0);
    }
  }

  return {
    activeKeyId: keyring.active.id,
    encrypt,
    decrypt,
    keyIdOf: (ciphertext) => parse(ciphertext).keyId,
  };
}

function parse(ciphertext: string): { keyId: string; payload: Buffer } {
  const parts = ciphertext.split(".");
  if (parts.length !== 3 || parts[0] !== version) {
    throw new DecryptionError(`not a ${version} secret (expected "${version}.<keyId>.<payload>")`);
  }
  const [, keyId = "", encoded = ""] = parts;
  if (keyId === "" || !/^[A-Za-z0-9_-]+$/.test(encoded)) throw new DecryptionError("malformed secret");
  const payload = Buffer.from(encoded, "base64url");
  if (payload.byteLength < wrappedKeyBytes + nonceBytes + tagBytes)
    throw new DecryptionError("secret is truncated");
  return { keyId, payload };
}
