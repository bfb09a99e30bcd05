import type { Actor, OrganizationName, PageRequest } from "@terrapod/kernel";
import type { WorkspaceSubject } from "../access/index.ts";
import { cancelRun, confirmRun, discardRun, forceExecuteRun } from "./act-on-run.ts";
import { queueDueAutoDestroys } from "./auto-destroy.ts";
import { type CreateCommentInput, commentOnRun, getRunComment, listRunComments } from "./comments.ts";
import { createRun } from "./create-run.ts";
import type { RunDeps } from "./deps.ts";
import { markPlanLogRead } from "./mark-plan-log-read.ts";
import type { Run } from "./model.ts";
import { readPhaseLog } from "./read-phase-log.ts";
import {
  countWorkspaceRuns,
  getRun,
  getRunByPhase,
  getRunEvent,
  listOrganizationRuns,
  listRunEventIds,
  listRunEvents,
  listRunQueue,
  listWorkspaceRuns,
  readOrganizationCapacity,
  readPlanArtifact,
  readRunPermissions,
} from "./read-runs.ts";
import type { CreateRunInput, ListOrganizationRunsInput, ListRunsInput } from "./schemas.ts";

export function createRunService(deps: RunDeps) {
  return {
    create: (actor: Actor, input: CreateRunInput) => createRun(deps, actor, input),
    get: (actor: Actor, id: string) => getRun(deps, actor, id),
    byPhase: (actor: Actor, phaseId: string) => getRunByPhase(deps, actor, phaseId),
    list: (actor: Actor, workspaceId: string, input: ListRunsInput, page: PageRequest) =>
      listWorkspaceRuns(deps, actor, workspaceId, input, page),
    listForOrganization: (
      actor: Actor,
      organization: OrganizationName,
      input: ListOrganizationRunsInput,
      page: PageRequest,
    ) => listOrganizationRuns(deps, actor, organization, input, page),
    /** How many runs each workspace the caller may read runs of has had (`workspace-kpis-runs-count`). */
    countByWorkspace: (actor: Actor, workspaces: readonly WorkspaceSubject[]) =>
      countWorkspaceRuns(deps, actor, workspaces),
    queue: (actor: Actor, organization: OrganizationName, page: PageRequest) =>
      listRunQueue(deps, actor, organization, page),
    capacity: (actor: Actor, organization: OrganizationName) =>
      readOrganizationCapacity(deps, actor, organization),
    events: (actor: Actor, id: string) => listRunEvents(deps, actor, id),
    event: (actor: Actor, id: string) => getRunEvent(deps, actor, id),
    /** The `run-events` relationship of runs the caller read. */
    eventIds: (actor: Actor, list: readonly Run[]) => listRunEventIds(deps, actor, list),
    permissions: (actor: Actor, run: Run) => readRunPermissions(deps, actor, run),
    confirm: (actor: Actor, id: string, comment?: string) => confirmRun(deps, actor, id, comment),
    discard: (actor: Actor, id: string, comment?: string) => discardRun(deps, actor, id, comment),
    cancel: (actor: Actor, id: string, opts: { force: boolean; comment?: string | undefined }) =>
      cancelRun(deps, actor, id, opts),
    comment: (actor: Actor, id: string, input: CreateCommentInput) => commentOnRun(deps, actor, id, input),
    comments: (actor: Actor, id: string) => listRunComments(deps, actor, id),
    getComment: (actor: Actor, id: string) => getRunComment(deps, actor, id),
    /** Queues the destroy runs of workspaces whose `auto-destroy-at` has come (the sweeper calls it). */
    queueDueAutoDestroys: () => queueDueAutoDestroys(deps),
    forceExecute: (actor: Actor, id: string) => forceExecuteRun(deps, actor, id),
    planJson: (actor: Actor, planId: string, name: "plan-json" | "provider-schemas") =>
      readPlanArtifact(deps, actor, planId, name),
    /** The plan's log end marker was served (see `cliApplyHoldMs`). */
    planLogRead: (planId: string) => markPlanLogRead(deps, planId),
    readLog: (actor: Actor, phaseId: string, offset: number, limit: number) =>
      readPhaseLog(deps, actor, phaseId, offset, limit),
  };
}

export type RunService = ReturnType<typeof createRunService>;
