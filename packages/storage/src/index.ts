export type { BlobBody, BlobMeta, BlobStore, PutOptions } from "./blob-store.ts";
export { createEncryptedBlobStore } from "./crypto/encrypted-blob-store.ts";
export { DecryptionError } from "./crypto/errors.ts";
export {
  generateKeySpec,
  type Keyring,
  type KeyringEntry,
  keyFingerprint,
  parseKeyring,
} from "./crypto/keyring.ts";
export { createSecretBox, type SecretBox } from "./crypto/secret-box.ts";
export {
  decryptStream,
  type EncryptStreamOptions,
  encryptStream,
  peekStreamHeader,
  type StreamHeaderInfo,
  streamCiphertextLength,
  streamPlaintextLength,
} from "./crypto/stream-cipher.ts";
export { createFsBlobStore, type FsBlobStoreConfig } from "./fs-blob-store.ts";
export { assertValidKey, assertValidPrefix, compareKeys } from "./keys.ts";
export { createMemoryBlobStore } from "./memory-blob-store.ts";
// The S3 store lives at "@terrapod/storage/s3" so the embedded shape never loads the AWS SDK.
