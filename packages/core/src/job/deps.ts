import type { Executor } from "@terrapod/db";
import type { RunDeps } from "../run/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import type { BlobPort, LogPort } from "../shared/ports.ts";
import type { SecretSealer } from "../shared/secrets.ts";
import type { Workspace } from "../workspace/index.ts";

/** A variable as the runner receives it (value decrypted). */
export type EffectiveVariable = {
  readonly key: string;
  readonly value: string;
  readonly category: "terraform" | "env";
  readonly hcl: boolean;
  readonly sensitive: boolean;
};

/** What the job domain (executors and runners) depends on. */
export type JobDeps = CoreDeps & {
  readonly blobs: BlobPort;
  readonly secrets: SecretSealer;
  readonly logs: LogPort;
  readonly signals: RunDeps["signals"];
  /** Effective variables for a run, with TFE's precedence (variable domain). */
  readonly variables: {
    forRun(
      workspaceId: string,
      runVariables: readonly { key: string; value: string }[],
    ): Promise<readonly EffectiveVariable[]>;
  };
  /**
   * Saves the state an apply produced as a new state version (state-version domain); `guard` runs with
   * the workspace row locked right before the version becomes current, and refuses it by throwing.
   */
  readonly saveRunState: (
    runId: string,
    workspaceId: string,
    body: ReadableStream<Uint8Array>,
    guard?: (tx: Executor, ws: Workspace) => Promise<void>,
  ) => Promise<{ stateVersionId: string } | undefined>;
  readonly heartbeatIntervalSeconds: number;
};
