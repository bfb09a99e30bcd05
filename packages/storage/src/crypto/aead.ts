import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from "node:crypto";
import { DecryptionError } from "./errors.ts";

/** AES-256-GCM parameters shared by every format in this folder. */
export const nonceBytes = 12;
export const tagBytes = 16;
export const dataKeyBytes = 32;

/** Seals `plaintext`; returns ciphertext followed by the 16-byte tag. */
export function seal(
  key: KeyObject | Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([head, tail, cipher.getAuthTag()]);
}

/**
 * Opens ciphertext-plus-tag. Nothing is returned unless the tag verifies, so callers never see
 * unauthenticated plaintext.
 */
export function open(
  key: KeyObject | Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  what: string,
): Buffer {
  if (sealed.byteLength < tagBytes) throw new DecryptionError(`${what} is truncated`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: tagBytes });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.byteLength - tagBytes));
    const head = decipher.update(sealed.subarray(0, sealed.byteLength - tagBytes));
    const tail = decipher.final();
    return tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
  } catch (err) {
    throw new DecryptionError(`${what} failed authentication (wrong key, tampered or truncated)`, {
      cause: err,
    });
  }
}

/** A fresh data key sealed under the keyring key: wrapNonce(12) ‖ wrappedKey(32) ‖ tag(16). */
export function wrapNewDataKey(kek: KeyObject, aad: Uint8Array): { dataKey: Buffer; wrapped: Buffer } {
  const dataKey = randomBytes(dataKeyBytes);
  const nonce = randomBytes(nonceBytes);
  return { dataKey, wrapped: Buffer.concat([nonce, seal(kek, nonce, dataKey, aad)]) };
}

export const wrappedKeyBytes = nonceBytes + dataKeyBytes + tagBytes;

export function unwrapDataKey(kek: KeyObject, wrapped: Uint8Array, aad: Uint8Array): Buffer {
  const key = open(
    kek,
    wrapped.subarray(0, nonceBytes),
    wrapped.subarray(nonceBytes, wrappedKeyBytes),
    aad,
    "data key",
  );
  if (key.byteLength !== dataKeyBytes) throw new DecryptionError("data key has the wrong length");
  return key;
}
