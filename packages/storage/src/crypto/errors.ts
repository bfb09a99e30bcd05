import { TerrapodError } from "@terrapod/kernel";

/**
 * Ciphertext that cannot be opened: tampered with, truncated, sealed with a key that is not in the
 * keyring, or not ciphertext at all. Never carries key material or plaintext.
 */
export class DecryptionError extends TerrapodError {
  readonly code = "INVALID";
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, {}, { ...opts, title: "decryption failed" });
  }
}
