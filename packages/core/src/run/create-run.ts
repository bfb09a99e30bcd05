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
import type { z } from "zod";
import { type ConfigurationVersion, findConfigurationVersion } from "../configuration-version/index.ts";
import { parseInput } from "../shared/validate.ts";
import { findWorkspaceById, type Workspace } from "../workspace/index.ts";
import type { RunDeps } from "./deps.ts";
import type { Run } from "./model.ts";
import { findRunById } from "./queries.ts";
import { loadRun } from "./read-runs.ts";
import { CreateRunInput } from "./schemas.ts";
import { applyRunEvent } from "./transitions.ts";
import { checkWorkspaceAllows } from "./workspace-settings.ts";

type CreateRunFields = z.infer<typeof CreateRunInput>;

/**
 * Creates a run on a configuration version (the given one, or the workspace's latest uploaded one).
 * Speculative plans (a speculative configuration version, or plan-only) never lock or apply; other runs
 * join the workspace queue.
 */
export async function createRun(deps: RunDeps, actor: Actor, raw: CreateRunInput): Promise<Run> {
  const input = parseInput(CreateRunInput, raw);
  const ws = await findRunnableWorkspace(deps, actor, input);
  const cv = await findUsableConfigurationVersion(deps, ws, input.configurationVersionId);
  const speculative = cv.speculative || (input.planOnly ?? false);
  checkWorkspaceAllows(ws, { isDestroy: input.isDestroy ?? false, speculative, planOnly: input.planOnly });
  const engine = resolveEngineVersion(deps, ws, input.terraformVersion, speculative);
  const id = deps.ids("run") as RunId;
  await deps.db
    .insert(runs)
    .values(runValues(deps, actor, input, { id, ws, cv, speculative, engineVersion: engine.version }));
  if (engine.unavailable) {
    await failUnavailableEngine(deps, id, engine.unavailable);
  } else {
    await deps.queue.schedule(ws.id);
  }
  const row = await findRunById(deps.db, id);
  if (!row) throw new InternalError("run vanished after insert");
  return loadRun(deps, row);
}

/** The run's workspace, once the actor may run on it and it executes runs on this server. */
async function findRunnableWorkspace(
  deps: RunDeps,
  actor: Actor,
  input: CreateRunFields,
): Promise<Workspace> {
  const ws = await findWorkspaceById(deps.db, input.workspaceId);
  if (!ws) throw new NotFoundError("workspace", input.workspaceId);
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
  return ws;
}

/** The given configuration version (or the workspace's latest uploaded one), if its archive is there. */
async function findUsableConfigurationVersion(
  deps: RunDeps,
  ws: Workspace,
  requested: string | undefined,
): Promise<ConfigurationVersion> {
  let cvId = requested;
  if (!cvId) {
    const [latest] = await deps.db
      .select({ id: configurationVersions.id })
      .from(configurationVersions)
      .where(
        and(
          eq(configurationVersions.workspaceId, ws.id),
          eq(configurationVersions.status, "uploaded"),
          eq(configurationVersions.backingData, "present"),
        ),
      )
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
  if (cv.status === "archived" || cv.backingData !== "present") {
    throw new InvalidError(
      "the configuration version's archive was archived or deleted; upload the configuration again",
      "configurationVersionId",
    );
  }
  return cv;
}

type NewRun = Readonly<{
  id: RunId;
  ws: Workspace;
  cv: ConfigurationVersion;
  speculative: boolean;
  engineVersion: string;
}>;

/** The row of a new pending run (its plan and apply ids are generated here, after the run's). */
function runValues(
  deps: RunDeps,
  actor: Actor,
  input: CreateRunFields,
  { id, ws, cv, speculative, engineVersion }: NewRun,
): typeof runs.$inferInsert {
  const now = deps.clock.now();
  return {
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
    policyPaths: input.policyPaths ?? [],
    invokeActionAddrs: input.invokeActionAddrs ?? [],
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
    createdByUserId: actor.kind === "user" ? actor.userId : null,
    // TFE reports when a run became able to queue its plan: at creation.
    statusTimestamps: { "pending-at": now.toISOString(), "plan-queueable-at": now.toISOString() },
    planId: deps.ids("plan") as PlanId,
    applyId: deps.ids("apply") as ApplyId,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * A plan-only run may ask for any engine version (as in TFE); one this server does not have ends the
 * run at once, with the reason.
 */
async function failUnavailableEngine(deps: RunDeps, id: RunId, unavailable: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const created = await findRunById(tx, id, true);
    if (created) {
      await applyRunEvent(tx, deps, created.run, { type: "error" }, { errorMessage: unavailable });
    }
  });
}

const exactVersion = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/;

/**
 * The engine version a run executes with. `terraform-version` on a run is for plan-only runs (TFE's rule):
 * such a run may name a version this server does not have (the run then errors with the reason); a run
 * without it uses the workspace's version, which must be available.
 */
function resolveEngineVersion(
  deps: RunDeps,
  ws: { engine: "terraform" | "tofu"; terraformVersion: string },
  requested: string | undefined,
  speculative: boolean,
): { version: string; unavailable?: string } {
  if (requested === undefined) return { version: deps.engines.resolve(ws.engine, ws.terraformVersion) };
  if (!speculative) {
    throw new InvalidError(
      "setting terraform-version is only valid when plan-only is set to true",
      "terraformVersion",
    );
  }
  if (!exactVersion.test(requested)) {
    throw new InvalidError("terraform-version must be an exact version, such as 1.9.8", "terraformVersion");
  }
  try {
    return { version: deps.engines.resolve(ws.engine, requested) };
  } catch (err) {
    if (!(err instanceof InvalidError)) throw err;
    return { version: requested, unavailable: err.message };
  }
}
