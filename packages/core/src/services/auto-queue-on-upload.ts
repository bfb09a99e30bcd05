import type { Actor } from "@terrapod/kernel";

/** A configuration version whose upload has settled (uploaded or errored). */
export type SettledUpload = {
  readonly id: string;
  readonly workspaceId: string;
  readonly autoQueueRuns: boolean;
  readonly status: string;
};

export type AutoQueuePorts = {
  createRun(
    actor: Actor,
    input: { workspaceId: string; configurationVersionId: string; message: string },
  ): Promise<unknown>;
  schedule(workspaceId: string): Promise<void>;
};

/**
 * After an upload settles: a configuration uploaded with `auto-queue-runs` starts a run (as the
 * system); any other outcome wakes the workspace queue, whose waiting runs may now start or error.
 */
export async function autoQueueOnUpload(ports: AutoQueuePorts, cv: SettledUpload): Promise<void> {
  if (cv.status === "uploaded" && cv.autoQueueRuns) {
    await ports.createRun(
      { kind: "system", reason: "auto-queue-runs" },
      {
        workspaceId: cv.workspaceId,
        configurationVersionId: cv.id,
        message: "Triggered by a configuration upload",
      },
    );
    return;
  }
  await ports.schedule(cv.workspaceId);
}
