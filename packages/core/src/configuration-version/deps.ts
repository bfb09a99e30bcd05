import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import type { BlobPort } from "../shared/ports.ts";
import type { ArchiveInspector } from "./model.ts";

export type ConfigurationVersionDeps = CoreDeps & {
  readonly access: AccessPolicy;
  readonly blobs: BlobPort;
  readonly inspectArchive: ArchiveInspector;
  readonly limits: { readonly maxArchiveBytes: number };
  /** After an upload settles (uploaded or errored): create the auto-queued run, wake the workspace queue. */
  readonly afterUpload: (cv: {
    id: string;
    workspaceId: string;
    autoQueueRuns: boolean;
    status: string;
  }) => Promise<void>;
};
