import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import type { BlobPort, LogPort } from "../shared/ports.ts";
import type { SecretSealer } from "../shared/secrets.ts";

/** A variable as the runner receives it (value decrypted). */
export type EffectiveVariable = {
  readonly key: string;
  readonly value: string;
  readonly category: "terraform" | "env";
  readonly hcl: boolean;
  readonly sensitive: boolean;
};

export type RunDeps = CoreDeps & {
  readonly access: AccessPolicy;
  readonly blobs: BlobPort;
  readonly secrets: SecretSealer;
  readonly logs: LogPort;
  /** Fire-and-forget wake-ups for executors (in-process or over Redis). */
  readonly signals: {
    runQueued(): void;
    stopJob(runId: string, force: boolean): void;
  };
  /** Which engine binaries exist: resolves `latest`, constraints or exact versions; throws InvalidError. */
  readonly engines: { resolve(engine: "terraform" | "tofu", requested: string): string };
  /** Effective variables for a run, with TFE's precedence (variable domain). */
  readonly variables: {
    forRun(
      workspaceId: string,
      runVariables: readonly { key: string; value: string }[],
    ): Promise<readonly EffectiveVariable[]>;
  };
  /** Saves the state an apply produced as a new state version (state-version domain). */
  readonly saveRunState: (
    runId: string,
    workspaceId: string,
    body: ReadableStream<Uint8Array>,
  ) => Promise<{ stateVersionId: string } | undefined>;
  readonly heartbeatIntervalSeconds: number;
  /** A running phase without a heartbeat for this long is considered lost. */
  readonly staleAfterSeconds: number;
};
