import type { Database } from "@terrapod/db";
import { type Clock, type IdGenerator, randomIds, systemClock } from "@terrapod/kernel";
import { createAccessPolicy } from "../access/index.ts";
import { type ArchiveInspector, createConfigurationVersionService } from "../configuration-version/index.ts";
import { createJobService } from "../job/index.ts";
import { createOrganizationService } from "../organization/index.ts";
import { createProjectService, ensureDefaultProject } from "../project/index.ts";
import { createRunService, type RunSignals } from "../run/index.ts";
import type { BlobPort, LogPort, SecretSealer } from "../shared/ports.ts";
import { createStateVersionService } from "../state-version/index.ts";
import { createTagService } from "../tag/index.ts";
import { resolveToken } from "../token/index.ts";
import { createUserService } from "../user/index.ts";
import { createVariableService } from "../variable/index.ts";
import { createVariableSetService } from "../variable-set/index.ts";
import { canReadRemoteState, createWorkspaceService } from "../workspace/index.ts";
import { autoQueueOnUpload } from "./auto-queue-on-upload.ts";
import { purgeWorkspaceBlobs } from "./purge-workspace-blobs.ts";

/** The adapters and settings every domain service is built from (the server's composition root gives them). */
export type ServiceDeps = {
  readonly db: Database;
  readonly blobs: BlobPort;
  readonly secrets: SecretSealer;
  readonly logs: LogPort;
  readonly inspectArchive: ArchiveInspector;
  readonly engines: { resolve(engine: "terraform" | "tofu", requested: string): string };
  readonly signals: RunSignals;
  readonly limits: { readonly maxStateBytes: number; readonly maxArchiveBytes: number };
  readonly runs: { readonly heartbeatIntervalSeconds: number };
  readonly features: { readonly remoteOperations: boolean };
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
};

/** Builds every domain service in dependency order, wiring the rules that cross domains. */
export function createServices(deps: ServiceDeps) {
  const base = { db: deps.db, clock: deps.clock ?? systemClock, ids: deps.ids ?? randomIds };
  // Runs' engines read the state of workspaces that share theirs (terraform_remote_state).
  const access = createAccessPolicy({
    remoteStateReadable: (reader, source, tx) => canReadRemoteState({ db: tx ?? deps.db }, reader, source.id),
  });
  const { blobs, secrets } = deps;
  const stateVersions = createStateVersionService({
    ...base,
    access,
    blobs,
    secrets,
    limits: { maxStateBytes: deps.limits.maxStateBytes },
  });
  const workspaces = createWorkspaceService({
    ...base,
    access,
    hasPendingStateUpload: (id) => stateVersions.hasPendingUpload(id),
    afterDelete: async (id) => void (await purgeWorkspaceBlobs(blobs, id)),
  });
  const variableSets = createVariableSetService({ ...base, access, secrets });
  const variables = createVariableService({ ...base, access, secrets, variableSets });
  const jobs = createJobService({
    ...base,
    blobs,
    secrets,
    logs: deps.logs,
    signals: deps.signals,
    variables: {
      forRun: async (workspaceId, runVariables) =>
        (await variables.resolveForRun(workspaceId, [...runVariables])).variables,
    },
    saveRunState: (runId, workspaceId, body, guard) =>
      stateVersions.saveRunState(runId, workspaceId, body, guard),
    heartbeatIntervalSeconds: deps.runs.heartbeatIntervalSeconds,
  });
  const runs = createRunService({
    ...base,
    access,
    blobs,
    secrets,
    logs: deps.logs,
    signals: deps.signals,
    engines: deps.engines,
    queue: { schedule: jobs.schedule, runEnded: jobs.runEnded },
    heartbeatIntervalSeconds: deps.runs.heartbeatIntervalSeconds,
  });
  const configurationVersions = createConfigurationVersionService({
    ...base,
    access,
    blobs,
    inspectArchive: deps.inspectArchive,
    limits: { maxArchiveBytes: deps.limits.maxArchiveBytes },
    afterUpload: (cv) => autoQueueOnUpload({ createRun: runs.create, schedule: jobs.schedule }, cv),
  });
  return {
    access,
    organizations: createOrganizationService({
      ...base,
      access,
      features: deps.features,
      projects: {
        ensureDefault: (tx, organizationId, now) => ensureDefaultProject(tx, base.ids, organizationId, now),
      },
    }),
    workspaces,
    projects: createProjectService({ ...base, access }),
    tags: createTagService({ ...base, access }),
    stateVersions,
    variables,
    variableSets,
    configurationVersions,
    runs,
    jobs,
    users: createUserService(base),
    resolveToken: (secret: string) => resolveToken(base, secret),
  };
}

export type Services = ReturnType<typeof createServices>;
