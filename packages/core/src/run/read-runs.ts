import { organizations, runs, workspaces } from "@terrapod/db";
import {
  type Actor,
  NotFoundError,
  type OrganizationName,
  type Page,
  type PageRequest,
  type RunId,
} from "@terrapod/kernel";
import { and, count, eq, inArray } from "drizzle-orm";
import { atLeast, type WorkspaceSubject, workspaceActionLevels } from "../access/index.ts";
import { organizationNamed } from "../organization/index.ts";
import { parseInput } from "../shared/validate.ts";
import { findWorkspaceById } from "../workspace/index.ts";
import type { RunDeps } from "./deps.ts";
import {
  artifactBlobKey,
  type OrganizationCapacity,
  type Run,
  type RunEventRecord,
  type RunPermissions,
} from "./model.ts";
import {
  findRunById,
  findRunByPhaseId,
  findRunEventRow,
  listRunEventRows,
  listRunRows,
  runEventIdsByRun,
  toRun,
} from "./queries.ts";
import { ListOrganizationRunsInput, ListRunsInput } from "./schemas.ts";

type Row = NonNullable<Awaited<ReturnType<typeof findRunById>>>;

export function loadRun(deps: Pick<RunDeps, "secrets" | "clock">, row: Row): Run {
  const sealed = row.run.variables;
  const variables = sealed
    ? (JSON.parse(deps.secrets.decrypt(sealed, `run-variables:${row.run.id}`)) as {
        key: string;
        value: string;
      }[])
    : [];
  return toRun(row, variables, deps.clock.now());
}

async function requireRunRead(deps: RunDeps, actor: Actor, row: Row) {
  await deps.access.requireWorkspace(actor, "run:read", {
    id: row.run.workspaceId as Run["workspaceId"],
    organization: row.orgName as OrganizationName,
  });
}

export async function getRun(deps: RunDeps, actor: Actor, id: string): Promise<Run> {
  const row = await findRunById(deps.db, id);
  if (!row) throw new NotFoundError("run", id);
  await requireRunRead(deps, actor, row);
  return loadRun(deps, row);
}

/** The run a plan or apply belongs to (`plans/:id`, `applies/:id`). */
export async function getRunByPhase(deps: RunDeps, actor: Actor, phaseId: string): Promise<Run> {
  const row = await findRunByPhaseId(deps.db, phaseId);
  if (!row) throw new NotFoundError(phaseId.startsWith("plan-") ? "plan" : "apply", phaseId);
  const viaCapability =
    actor.kind === "capability" && actor.purpose === "log-read" && actor.resourceId === phaseId;
  if (!viaCapability) await requireRunRead(deps, actor, row);
  return loadRun(deps, row);
}

export async function listWorkspaceRuns(
  deps: RunDeps,
  actor: Actor,
  workspaceId: string,
  raw: ListRunsInput,
  page: PageRequest,
): Promise<Page<Run>> {
  const input = parseInput(ListRunsInput, raw);
  const ws = await findWorkspaceById(deps.db, workspaceId);
  if (!ws) throw new NotFoundError("workspace", workspaceId);
  await deps.access.requireWorkspace(actor, "run:read", ws);
  const { vcsSearch, ...filter } = input;
  const { rows, total } = await listRunRows(
    deps.db,
    { workspaceId: ws.id, ...filter, none: vcsSearch === true },
    page,
  );
  return { items: rows.map((r) => loadRun(deps, r)), total, page: page.page, size: page.size };
}

/** `GET /organizations/:org/runs`: runs of the workspaces the caller may list, newest first. */
export async function listOrganizationRuns(
  deps: RunDeps,
  actor: Actor,
  organization: OrganizationName,
  raw: ListOrganizationRunsInput,
  page: PageRequest,
): Promise<Page<Run>> {
  const input = parseInput(ListOrganizationRunsInput, raw);
  await deps.access.requireOrganization(actor, "organization:read", organization);
  const org = await organizationNamed(deps.db, organization);
  if ((await deps.access.visibleWorkspaces(actor, organization)) === "none") {
    return { items: [], total: 0, page: page.page, size: page.size };
  }
  const { vcsSearch, agentPoolNames, ...filter } = input;
  const { rows, total } = await listRunRows(
    deps.db,
    {
      organizationId: org.id,
      ...filter,
      none: vcsSearch === true || (agentPoolNames !== undefined && agentPoolNames.length > 0),
    },
    page,
  );
  return { items: rows.map((r) => loadRun(deps, r)), total, page: page.page, size: page.size };
}

/** How many runs each workspace the caller may read runs of has had (`workspace-kpis-runs-count`). */
export async function countWorkspaceRuns(
  deps: RunDeps,
  actor: Actor,
  list: readonly WorkspaceSubject[],
): Promise<Map<string, number>> {
  const readable: string[] = [];
  for (const ws of list) {
    if (atLeast(await deps.access.workspaceLevel(actor, ws), workspaceActionLevels["run:read"])) {
      readable.push(ws.id);
    }
  }
  const counts = new Map<string, number>(readable.map((id) => [id, 0]));
  if (readable.length === 0) return counts;
  const rows = await deps.db
    .select({ workspaceId: runs.workspaceId, n: count() })
    .from(runs)
    .where(inArray(runs.workspaceId, readable))
    .groupBy(runs.workspaceId);
  for (const r of rows) counts.set(r.workspaceId, r.n);
  return counts;
}

/**
 * The organization's run queue: runs waiting or executing, oldest first, with their position
 * (`position-in-queue`): 0 for runs executing, 1.. for runs waiting to start.
 */
export async function listRunQueue(
  deps: RunDeps,
  actor: Actor,
  organization: OrganizationName,
  page: PageRequest,
): Promise<Page<Run & { positionInQueue: number }>> {
  await deps.access.requireOrganization(actor, "organization:read", organization);
  const org = await organizationNamed(deps.db, organization);
  // Only runs of workspaces the caller may list (as `GET /organizations/:org/runs`).
  if ((await deps.access.visibleWorkspaces(actor, organization)) === "none") {
    return { items: [], total: 0, page: page.page, size: page.size };
  }
  const statuses = ["pending", "plan_queued", "apply_queued", "planning", "applying"];
  const { rows, total } = await listRunRows(deps.db, { organizationId: org.id, statuses }, page, "oldest");
  let position = (page.page - 1) * page.size;
  const items = [];
  for (const r of rows) {
    const run = loadRun(deps, r);
    const running = run.status === "planning" || run.status === "applying";
    if (!running) position += 1;
    items.push({ ...run, positionInQueue: running ? 0 : position });
  }
  return { items, total, page: page.page, size: page.size };
}

export async function readOrganizationCapacity(
  deps: RunDeps,
  actor: Actor,
  organization: OrganizationName,
): Promise<OrganizationCapacity> {
  await deps.access.requireOrganization(actor, "organization:read", organization);
  const counts = await deps.db
    .select({ status: runs.status, n: count() })
    .from(runs)
    .innerJoin(workspaces, eq(workspaces.id, runs.workspaceId))
    .innerJoin(organizations, eq(organizations.id, workspaces.organizationId))
    .where(
      and(
        eq(organizations.name, organization),
        inArray(runs.status, ["pending", "plan_queued", "apply_queued", "planning", "applying"]),
      ),
    )
    .groupBy(runs.status);
  let pending = 0;
  let running = 0;
  for (const c of counts) {
    if (c.status === "planning" || c.status === "applying") running += c.n;
    else pending += c.n;
  }
  return { organization, pending, running };
}

/** `GET /run-events/:id`: one event, for whoever may read its run. */
export async function getRunEvent(
  deps: RunDeps,
  actor: Actor,
  id: string,
): Promise<RunEventRecord & { runId: RunId }> {
  const event = await findRunEventRow(deps.db, id);
  if (!event) throw new NotFoundError("run event", id);
  const row = await findRunById(deps.db, event.runId);
  if (!row) throw new NotFoundError("run event", id);
  await requireRunRead(deps, actor, row);
  return { ...event, runId: event.runId as RunId };
}

/** The event ids of runs the caller read (the `run-events` relationship of each). */
export async function listRunEventIds(
  deps: RunDeps,
  actor: Actor,
  list: readonly Run[],
): Promise<Map<string, string[]>> {
  const readable: string[] = [];
  const levels = new Map<string, boolean>();
  for (const run of list) {
    let ok = levels.get(run.workspaceId);
    if (ok === undefined) {
      const level = await deps.access.workspaceLevel(actor, {
        id: run.workspaceId,
        organization: run.organization,
      });
      ok = atLeast(level, workspaceActionLevels["run:read"]);
      levels.set(run.workspaceId, ok);
    }
    if (ok) readable.push(run.id);
  }
  return runEventIdsByRun(deps.db, readable);
}

export async function listRunEvents(deps: RunDeps, actor: Actor, runId: string): Promise<RunEventRecord[]> {
  const row = await findRunById(deps.db, runId);
  if (!row) throw new NotFoundError("run", runId);
  await requireRunRead(deps, actor, row);
  return listRunEventRows(deps.db, row.run.id as RunId);
}

export async function readRunPermissions(deps: RunDeps, actor: Actor, run: Run): Promise<RunPermissions> {
  const level = await deps.access.workspaceLevel(actor, {
    id: run.workspaceId,
    organization: run.organization,
  });
  // Who may act (TFE `permissions`); whether the run allows it now is `actions`.
  return {
    canApply: atLeast(level, workspaceActionLevels["run:apply"]),
    canCancel: atLeast(level, workspaceActionLevels["run:cancel"]),
    canDiscard: atLeast(level, workspaceActionLevels["run:discard"]),
    canForceCancel: atLeast(level, workspaceActionLevels["run:force-cancel"]),
    canForceExecute: atLeast(level, workspaceActionLevels["run:force-execute"]),
    canComment: atLeast(level, workspaceActionLevels["run:comment"]),
    canReadVariables: readsRunVariables(actor) && atLeast(level, workspaceActionLevels["run:read"]),
  };
}

/** Run variables are for people and their API tokens; runners get theirs in the job spec. */
function readsRunVariables(actor: Actor): boolean {
  return actor.kind === "user" || actor.kind === "organization-token" || actor.kind === "system";
}

/** A JSON artifact of a plan (`plan-json`, `provider-schemas`); reading it needs the state read right. */
export async function readPlanArtifact(
  deps: RunDeps,
  actor: Actor,
  planId: string,
  name: "plan-json" | "provider-schemas",
): Promise<ReadableStream<Uint8Array>> {
  const row = await findRunByPhaseId(deps.db, planId);
  if (!row || row.run.planId !== planId) throw new NotFoundError("plan", planId);
  await deps.access.requireWorkspace(actor, "state:read", {
    id: row.run.workspaceId as Run["workspaceId"],
    organization: row.orgName as OrganizationName,
  });
  const stream = await deps.blobs.get(artifactBlobKey(row.run, name));
  if (!stream) throw new NotFoundError(name === "plan-json" ? "JSON plan" : "provider schemas", planId);
  return stream;
}
