import { z } from "zod";

/**
 * The contract between the server and the runner that executes one phase of one run (a child process in
 * embedded mode, a Kubernetes Job pod in production). Every message carries `version`; receivers parse
 * with these schemas and refuse versions they do not know.
 */
export const protocolVersion = 1 as const;

/**
 * Paths under the server's base URL. The runner authenticates with `Authorization: Bearer <job token>`,
 * which works here only, and only while its phase is the run's current one: then every call is a 401.
 */
export const runnerPaths = {
  /** GET → JobSpec */
  job: "/api/runner/v1/job",
  /** GET → the configuration archive (tar.gz) */
  configuration: "/api/runner/v1/configuration",
  /** GET → the workspace's current raw state (204 when there is none) */
  state: "/api/runner/v1/state",
  /** POST raw bytes (a log chunk); header `x-log-offset` = byte offset of this chunk (idempotent retries) */
  logs: "/api/runner/v1/logs",
  /** POST HeartbeatRequest → HeartbeatReply (cancel requests travel back here) */
  heartbeat: "/api/runner/v1/heartbeat",
  /** PUT/GET an artifact by name (binary): plan file, lock file, plan JSON, provider schemas */
  artifact: (name: ArtifactName) => `/api/runner/v1/artifacts/${name}`,
  /**
   * PUT raw state produced by an apply: accepted only from the current attempt of the apply while its run
   * holds the workspace lock (a graceful cancel keeps it until the runner reports); 401 or 409 otherwise
   */
  stateUpload: "/api/runner/v1/state",
  /** POST PhaseResult: the phase is over */
  result: "/api/runner/v1/result",
} as const;

export const ArtifactName = z.enum(["plan-file", "lock-file", "plan-json", "provider-schemas", "state-json"]);
export type ArtifactName = z.infer<typeof ArtifactName>;

export const Engine = z.enum(["terraform", "tofu"]);
export type Engine = z.infer<typeof Engine>;

export const JobVariable = z.object({
  key: z.string(),
  value: z.string(),
  category: z.enum(["terraform", "env"]),
  hcl: z.boolean(),
  sensitive: z.boolean(),
});
export type JobVariable = z.infer<typeof JobVariable>;

export const JobSpec = z.object({
  version: z.literal(protocolVersion),
  runId: z.string(),
  phase: z.enum(["plan", "apply"]),
  attempt: z.number().int().positive(),
  workspace: z.object({
    id: z.string(),
    name: z.string(),
    organization: z.string(),
    /** Relative directory inside the configuration holding the root module ("" = the archive root). */
    workingDirectory: z.string(),
  }),
  engine: Engine,
  /** Exact version to run (resolved by the server from the workspace/run setting). */
  engineVersion: z.string(),
  operation: z.object({
    isDestroy: z.boolean(),
    refresh: z.boolean(),
    refreshOnly: z.boolean(),
    targetAddrs: z.array(z.string()),
    replaceAddrs: z.array(z.string()),
    /** Actions to invoke (`-invoke`, terraform ≥ 1.14); absent from servers that predate it. */
    invokeActionAddrs: z.array(z.string()).optional(),
    allowEmptyApply: z.boolean(),
    /** Speculative: plan only, never applied (no plan file needed). */
    planOnly: z.boolean(),
  }),
  /** Effective variables, values decrypted (sensitive included). Sent only to the job's runner. */
  variables: z.array(JobVariable),
  heartbeatIntervalSeconds: z.number().int().positive(),
  /**
   * A read-only token for the engine (not the runner's job token): the runner writes it into the
   * engine's CLI configuration as `credentials "<host>"` for each of `hosts`, so `terraform_remote_state`
   * can read workspaces that share their state with this one. Dead when the phase ends. Absent from
   * servers that predate it.
   */
  runToken: z
    .object({
      token: z.string().min(1),
      /** The server's host names with their port (`terrapod.example.com`, `localhost:8443`). */
      hosts: z.array(z.string()),
    })
    .optional(),
});
export type JobSpec = z.infer<typeof JobSpec>;

export const HeartbeatRequest = z.object({ version: z.literal(protocolVersion) });
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HeartbeatReply = z.object({
  version: z.literal(protocolVersion),
  /** Stop gracefully: SIGINT the engine, then upload what exists and report `canceled`. */
  cancel: z.boolean(),
  /** Stop now: kill the engine. */
  force: z.boolean(),
});
export type HeartbeatReply = z.infer<typeof HeartbeatReply>;

export const ResourceCounts = z.object({
  additions: z.number().int().min(0),
  changes: z.number().int().min(0),
  destructions: z.number().int().min(0),
  imports: z.number().int().min(0),
});
export type ResourceCounts = z.infer<typeof ResourceCounts>;

export const PhaseResult = z.object({
  version: z.literal(protocolVersion),
  status: z.enum(["finished", "errored", "canceled"]),
  /** Plans: whether applying would change anything. */
  hasChanges: z.boolean().optional(),
  counts: ResourceCounts.optional(),
  /** Shown to users when the phase errored. */
  errorMessage: z.string().max(4000).optional(),
});
export type PhaseResult = z.infer<typeof PhaseResult>;
