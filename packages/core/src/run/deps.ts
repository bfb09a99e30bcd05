import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import type { BlobPort, LogPort } from "../shared/ports.ts";
import type { SecretSealer } from "../shared/secrets.ts";

/** Fire-and-forget wake-ups for executors (in-process or over Redis). */
export type RunSignals = {
  runQueued(): void;
  stopJob(runId: string, force: boolean): void;
};

export type RunDeps = CoreDeps & {
  readonly access: AccessPolicy;
  readonly blobs: BlobPort;
  readonly secrets: SecretSealer;
  readonly logs: LogPort;
  readonly signals: RunSignals;
  /** Which engine binaries exist: resolves `latest`, constraints or exact versions; throws InvalidError. */
  readonly engines: { resolve(engine: "terraform" | "tofu", requested: string): string };
  /** The per-workspace queue (job domain): what user actions on runs set in motion. */
  readonly queue: {
    /** Lets the workspace's next run go, if it may. */
    schedule(workspaceId: string): Promise<void>;
    /**
     * A run ended: release its hold on the workspace, then schedule. `interrupted`: the phase it ended
     * while a runner executed it (force-cancel), whose log is stored then.
     */
    runEnded(
      workspaceId: string,
      runId: string,
      interrupted?: { readonly phase: "plan" | "apply"; readonly phaseId: string },
    ): Promise<void>;
  };
  /** Used for the force-cancel cool-off (two heartbeats). */
  readonly heartbeatIntervalSeconds: number;
};
