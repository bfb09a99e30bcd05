import {
  type ArchiveInspector,
  type BlobPort,
  configurationBlobPrefix,
  createAccessPolicy,
  createConfigurationVersionService,
  createOrganizationService,
  createProjectService,
  createRunService,
  createStateVersionService,
  createTagService,
  createUserService,
  createVariableService,
  createVariableSetService,
  createWorkspaceService,
  type LogPort,
  resolveToken,
  runBlobPrefixes,
  type SecretSealer,
  stateBlobPrefix,
} from "@terrapod/core";
import type { Database } from "@terrapod/db";
import { type Clock, type IdGenerator, randomIds, systemClock } from "@terrapod/kernel";

export type ServiceDeps = {
  readonly db: Database;
  readonly blobs: BlobPort;
  readonly secrets: SecretSealer;
  readonly logs: LogPort;
  readonly inspectArchive: ArchiveInspector;
  readonly engines: { resolve(engine: "terraform" | "tofu", requested: string): string };
  readonly signals: { runQueued(): void; stopJob(runId: string, force: boolean): void };
  readonly limits: { readonly maxStateBytes: number; readonly maxArchiveBytes: number };
  readonly runs: { readonly heartbeatIntervalSeconds: number; readonly staleAfterSeconds: number };
  readonly features: { readonly remoteOperations: boolean };
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
};

/** Builds every domain service in dependency order. */
export function createServices(deps: ServiceDeps) {
  const base = { db: deps.db, clock: deps.clock ?? systemClock, ids: deps.ids ?? randomIds };
  const access = createAccessPolicy();
  const stateVersions = createStateVersionService({
    ...base,
    access,
    blobs: deps.blobs,
    secrets: deps.secrets,
    limits: { maxStateBytes: deps.limits.maxStateBytes },
  });
  const workspaces = createWorkspaceService({
    ...base,
    access,
    hasPendingStateUpload: (id) => stateVersions.hasPendingUpload(id),
    // Every blob of a deleted workspace goes with it: states, configurations, run logs and artifacts.
    afterDelete: async (id) => {
      for (const prefix of [stateBlobPrefix(id), configurationBlobPrefix(id), ...runBlobPrefixes(id)]) {
        for await (const key of deps.blobs.list(prefix)) await deps.blobs.delete(key);
      }
    },
  });
  const variables = createVariableService({ ...base, access, secrets: deps.secrets });
  const runs = createRunService({
    ...base,
    access,
    blobs: deps.blobs,
    secrets: deps.secrets,
    logs: deps.logs,
    signals: deps.signals,
    engines: deps.engines,
    variables: {
      forRun: async (workspaceId, runVariables) =>
        (await variables.resolveForRun(workspaceId, [...runVariables])).variables,
    },
    saveRunState: (runId, workspaceId, body) => stateVersions.saveRunState(runId, workspaceId, body),
    heartbeatIntervalSeconds: deps.runs.heartbeatIntervalSeconds,
    staleAfterSeconds: deps.runs.staleAfterSeconds,
  });
  const configurationVersions = createConfigurationVersionService({
    ...base,
    access,
    blobs: deps.blobs,
    inspectArchive: deps.inspectArchive,
    limits: { maxArchiveBytes: deps.limits.maxArchiveBytes },
    afterUpload: async (cv) => {
      if (cv.status === "uploaded" && cv.autoQueueRuns) {
        await runs.create(
          { kind: "system", reason: "auto-queue-runs" },
          {
            workspaceId: cv.workspaceId,
            configurationVersionId: cv.id,
            message: "Triggered by a configuration upload",
          },
        );
        return;
      }
      await runs.execution.schedule(cv.workspaceId);
    },
  });
  return {
    access,
    organizations: createOrganizationService({ ...base, access, features: deps.features }),
    workspaces,
    projects: createProjectService({ ...base, access }),
    tags: createTagService({ ...base, access }),
    stateVersions,
    variables,
    variableSets: createVariableSetService({ ...base, access, secrets: deps.secrets }),
    configurationVersions,
    runs,
    users: createUserService(base),
    resolveToken: (secret: string) => resolveToken(base, secret),
  };
}

export type Services = ReturnType<typeof createServices>;
