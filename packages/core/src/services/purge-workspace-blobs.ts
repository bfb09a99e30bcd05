import { configurationBlobPrefix } from "../configuration-version/index.ts";
import { runBlobPrefixes } from "../run/index.ts";
import type { BlobPort } from "../shared/ports.ts";
import { stateBlobPrefix } from "../state-version/index.ts";

/** Every blob prefix holding something of a workspace: states, configurations, run logs and artifacts. */
export function workspaceBlobPrefixes(workspaceId: string): string[] {
  return [
    stateBlobPrefix(workspaceId),
    configurationBlobPrefix(workspaceId),
    ...runBlobPrefixes(workspaceId),
  ];
}

/** A deleted workspace's blobs go with it. */
export async function purgeWorkspaceBlobs(
  blobs: Pick<BlobPort, "list" | "delete">,
  workspaceId: string,
): Promise<number> {
  let deleted = 0;
  for (const prefix of workspaceBlobPrefixes(workspaceId)) {
    for await (const key of blobs.list(prefix)) {
      await blobs.delete(key);
      deleted += 1;
    }
  }
  return deleted;
}
