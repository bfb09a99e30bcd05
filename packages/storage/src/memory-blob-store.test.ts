import { blobStoreContract } from "./blob-store-contract.ts";
import { createMemoryBlobStore } from "./memory-blob-store.ts";

blobStoreContract("memory", async () => ({ store: createMemoryBlobStore() }), {
  keepsContentType: true,
  boundedMemory: false,
  largeObjectBytes: 8 * 1024 * 1024,
});
