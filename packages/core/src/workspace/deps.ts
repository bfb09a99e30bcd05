import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";

export type WorkspaceDeps = CoreDeps & {
  readonly access: AccessPolicy;
  /** True while the newest state version of the workspace awaits its upload (state-version domain). */
  readonly hasPendingStateUpload: (workspaceId: string) => Promise<boolean>;
  /** Called after a workspace row is deleted, to remove its blobs. */
  readonly afterDelete: (workspaceId: string) => Promise<void>;
};
