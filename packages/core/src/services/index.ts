export { type AutoQueuePorts, autoQueueOnUpload, type SettledUpload } from "./auto-queue-on-upload.ts";
export { createServices, type ServiceDeps, type Services } from "./create-services.ts";
export { purgeWorkspaceBlobs, workspaceBlobPrefixes } from "./purge-workspace-blobs.ts";
