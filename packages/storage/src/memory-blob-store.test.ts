import { createMemoryBlobStore } from "./memory-blob-store.ts";
import { blobStoreContract } from "./testing/blob-store-contract.ts";

blobStoreContract("memory", async () => ({ store: createMemoryBlobStore() }), {
  keepsContentType: true,
  boundedMemory: false,
  largeObjectBytes: 8 * 1024 * 1024,
});
