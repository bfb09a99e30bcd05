import { configurationVersions, runs } from "@terrapod/db";
import {
  type Actor,
  type ApplyId,
  describeActor,
  InternalError,
  InvalidError,
  NotFoundError,
  type PlanId,
  type RunId,
} from "@terrapod/kernel";
import { and, desc, eq } from "drizzle-orm";
import { findConfigurationVersion } from "../configuration-version/queries.ts";
import { parseInput } from "../shared/validate.ts";
import { findWorkspaceById } from "../workspace/queries.ts";
import type { RunDeps } from "./deps.ts";
import type { Run } from "./model.ts";
import { findRunById } from "./queries.ts";
import { loadRun } from "./read-runs.ts";
import { scheduleWorkspace } from "./schedule-workspace.ts";
import { CreateRunInput } from "./schemas.ts";

/**
 * Creates a run on a configuration version (the given one, or the workspace's latest uploaded one).
 * Speculative plans (a speculative configuration version, or plan-only) never lock or apply; other runs
 * join the workspace queue.
 */
export async function createRun(deps: RunDeps, actor: Actor, raw: CreateRunInput): Promise<Run> {
  const input = parseInput(CreateRunInput, raw);
  const ws = await findWorkspaceById(deps.db, input.workspaceId);
  if (!ws) throw new NotFoundError("workspace", input.workspaceId);
  const planOnlyRequested = input.planOnly ?? false;
  await deps.access.requireWorkspace(actor, input.autoApply ? "run:apply" : "run:plan", ws);
  if (ws.executionMode === "local") {
    throw new InvalidError(
      `workspace ${ws.name} uses local execution: runs happen on the CLI's machine, not here`,
      undefined,
      "remote runs are disabled",
    );
  }
  if (ws.executionMode === "agent") {
    throw new InvalidError(
      "agent execution is not available yet; use remote execution",
      undefined,
      "no agent pool",
    );
  }

  let cvId = input.configurationVersionId;
  if (!cvId) {
    const [latest] = await deps.db
      .select({ id: configurationVersions.id })
      .from(configurationVersions)
      .where(and(eq(configurationVersions.workspaceId, ws.id), eq(configurationVersions.status, "uploaded")))
      .orderBy(desc(configurationVersions.createdAt))
      .limit(1);
    if (!latest)
      throw new InvalidError("the workspace has no uploaded configuration version", "configurationVersionId");
    cvId = latest.id;
  }
  const cv = await findConfigurationVersion(deps.db, cvId);
  if (!cv || cv.workspaceId !== ws.id) throw new NotFoundError("configuration version", cvId);
  if (cv.status === "errored")
    throw new InvalidError("the configuration version failed to upload", "configurationVersionId");

  const speculative = cv.speculative || planOnlyRequested;
  const engineVersion = deps.engines.resolve(ws.engine, input.terraformVersion ?? ws.terraformVersion);
  const id = deps.ids("run") as RunId;
  const now = deps.clock.now();
  await deps.db.insert(runs).values({
    id,
    workspaceId: ws.id,
    configurationVersionId: cv.id,
    status: "pending",
    message: input.message ?? "Queued manually via the Terraform Enterprise API",
    source: input.source ?? "tfe-api",
    isDestroy: input.isDestroy ?? false,
    refresh: input.refresh ?? true,
    refreshOnly: input.refreshOnly ?? false,
    targetAddrs: input.targetAddrs ?? [],
    replaceAddrs: input.replaceAddrs ?? [],
    planOnly: speculative,
    speculative,
    savePlan: (input.savePlan ?? false) || cv.provisional,
    autoApply: input.autoApply ?? ws.autoApply,
    allowEmptyApply: input.allowEmptyApply ?? false,
    terraformVersion: input.terraformVersion ?? null,
    engine: ws.engine,
    engineVersion,
    variables:
      input.variables && input.variables.length > 0
        ? deps.secrets.encrypt(JSON.stringify(input.variables), `run-variables:${id}`)
        : null,
    createdBy: describeActor(actor),
    statusTimestamps: { "pending-at": now.toISOString() },
    planId: deps.ids("plan") as PlanId,
    applyId: deps.ids("apply") as ApplyId,
    createdAt: now,
    updatedAt: now,
  });
  await scheduleWorkspace(deps, ws.id);
  const row = await findRunById(deps.db, id);
  if (!row) throw new InternalError("run vanished after insert");
  return loadRun(deps, row);
}
