import { runs } from "@terrapod/db";
import { type Actor, ConflictError, ForbiddenError, NotFoundError, type RunId } from "@terrapod/kernel";
import { type JobSpec, type PhaseResult, protocolVersion } from "@terrapod/runner-protocol";
import { and, asc, eq, inArray, isNull, lt, not, type SQL, sql } from "drizzle-orm";
import { findWorkspaceById, findWorkspaceForUpdate, releaseRunLock } from "../workspace/queries.ts";
import type { RunDeps } from "./deps.ts";
import { runningStatuses, terminalStatuses } from "./lifecycle.ts";
import { artifactBlobKey, logBlobKey, logStreamName } from "./model.ts";
import { findRunById } from "./queries.ts";
import { getRunByPhase, loadRun } from "./read-runs.ts";
import { afterRunEnded } from "./schedule-workspace.ts";
import { applyRunEvent } from "./transitions.ts";

export type ClaimedJob = {
  readonly runId: RunId;
  readonly workspaceId: string;
  readonly organization: string;
  readonly phase: "plan" | "apply";
  readonly attempt: number;
};

/**
 * Claims the next runnable phase for an executor (row locks with SKIP LOCKED: several executors never
 * take the same phase). Applies go before plans, non-speculative before speculative, then queue order.
 */
export async function claimNextJob(deps: RunDeps, executorId: string): Promise<ClaimedJob | undefined> {
  const holdUntil = new Date(deps.clock.now().getTime() - cliApplyHoldMs).toISOString();
  const job = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(runs)
      .where(
        and(
          inArray(runs.status, ["plan_queued", "apply_queued"]),
          // An auto-applied CLI run's apply waits until the CLI has read the plan's log to its end (or a
          // few seconds): the CLI looks at the run only then, and an apply that already errored would
          // end the command without showing why.
          not(
            and(
              eq(runs.status, "apply_queued"),
              eq(runs.autoApply, true),
              inArray(runs.source, [...cliSources]),
              isNull(runs.planLogReadAt),
              sql`${runs.statusTimestamps}->>'apply-queued-at' > ${holdUntil}`,
            ) as SQL,
          ),
        ),
      )
      .orderBy(
        sql`case when ${runs.status} = 'apply_queued' then 0 else 1 end`,
        asc(runs.speculative),
        asc(runs.queuedAt),
        asc(runs.createdAt),
      )
      .limit(1)
      .for("update", { skipLocked: true });
    if (!row) return undefined;
    const phase: "plan" | "apply" = row.status === "apply_queued" ? "apply" : "plan";
    const attempt = row.attempt + 1;
    await applyRunEvent(
      tx,
      deps,
      row,
      { type: "start" },
      {
        claimedBy: executorId,
        attempt,
        heartbeatAt: deps.clock.now(),
      },
    );
    const full = await findRunById(tx, row.id);
    return {
      runId: row.id as RunId,
      workspaceId: row.workspaceId,
      organization: full?.orgName ?? "",
      phase,
      attempt,
      phaseId: phase === "plan" ? row.planId : row.applyId,
    };
  });
  if (!job) return undefined;
  // A retried phase logs from offset 0 again: drop what an earlier attempt left in the live stream.
  await deps.logs.delete(logStreamName(job.phaseId));
  const { phaseId: _phaseId, ...claimed } = job;
  return claimed;
}

/** Runs created by the CLIs (cloud block, remote backend): their users watch the log stream. */
const cliSources = ["terraform+cloud", "terraform"] as const;
/** How long an auto-applied CLI run's apply waits for the CLI to finish reading the plan log. */
const cliApplyHoldMs = 10_000;

/**
 * The plan's log was read to its end marker: an auto-applied CLI run's apply may start now.
 * Called by the log transport (a capability read of the plan log).
 */
export async function markPlanLogRead(deps: RunDeps, planId: string): Promise<void> {
  const updated = await deps.db
    .update(runs)
    .set({ planLogReadAt: deps.clock.now() })
    .where(and(eq(runs.planId, planId), isNull(runs.planLogReadAt)))
    .returning({ status: runs.status });
  if (updated[0]?.status === "apply_queued") deps.signals.runQueued();
}

/** The job token's run, if the token is for the phase executing now (anything else is a stale runner). */
async function currentJob(deps: RunDeps, actor: Actor) {
  if (actor.kind !== "run") throw new ForbiddenError("this endpoint is for runners");
  const row = await findRunById(deps.db, actor.runId);
  if (!row) throw new NotFoundError("run", actor.runId);
  const expected = actor.phase === "plan" ? "planning" : "applying";
  const current = row.run.status === expected && row.run.attempt === actor.attempt;
  return { row, current, actor };
}

async function requireCurrentJob(deps: RunDeps, actor: Actor) {
  const job = await currentJob(deps, actor);
  if (!job.current) {
    throw new ConflictError(
      "this job is no longer the run's current phase",
      { runId: job.actor.runId },
      "job superseded",
    );
  }
  return job;
}

export async function readJobSpec(deps: RunDeps, actor: Actor): Promise<JobSpec> {
  const { row, actor: a } = await requireCurrentJob(deps, actor);
  const run = loadRun(deps, row);
  const ws = await findWorkspaceById(deps.db, run.workspaceId);
  if (!ws) throw new NotFoundError("workspace", run.workspaceId);
  const variables = await jobVariables(deps, row.run.id, a.phase, row.run.jobVariables, run);
  return {
    version: protocolVersion,
    runId: run.id,
    phase: a.phase,
    attempt: a.attempt,
    workspace: {
      id: ws.id,
      name: ws.name,
      organization: ws.organization,
      workingDirectory: ws.workingDirectory,
    },
    engine: run.engine,
    engineVersion: run.engineVersion,
    operation: {
      isDestroy: run.isDestroy,
      refresh: run.refresh,
      refreshOnly: run.refreshOnly,
      targetAddrs: [...run.targetAddrs],
      replaceAddrs: [...run.replaceAddrs],
      ...(run.invokeActionAddrs.length > 0 ? { invokeActionAddrs: [...run.invokeActionAddrs] } : {}),
      allowEmptyApply: run.allowEmptyApply,
      planOnly: run.planOnly,
    },
    variables: variables.map((v) => ({ ...v })),
    heartbeatIntervalSeconds: deps.heartbeatIntervalSeconds,
  };
}

/**
 * The variables a phase runs with. The plan resolves them (TFE precedence) and seals the result on the
 * run; the apply reuses exactly that, because engines refuse an apply whose inputs differ from the plan's.
 */
async function jobVariables(
  deps: RunDeps,
  runId: string,
  phase: "plan" | "apply",
  sealed: string | null,
  run: { workspaceId: string; variables: readonly { key: string; value: string }[] },
) {
  const aad = `job-variables:${runId}`;
  if (phase === "apply" && sealed) {
    return JSON.parse(deps.secrets.decrypt(sealed, aad)) as Awaited<
      ReturnType<RunDeps["variables"]["forRun"]>
    >;
  }
  const resolved = await deps.variables.forRun(run.workspaceId, run.variables);
  await deps.db
    .update(runs)
    .set({ jobVariables: deps.secrets.encrypt(JSON.stringify(resolved), aad) })
    .where(eq(runs.id, runId));
  return resolved;
}

/** Records that the runner is alive; tells it whether to stop. */
export async function recordHeartbeat(
  deps: RunDeps,
  actor: Actor,
): Promise<{ cancel: boolean; force: boolean }> {
  const { row, current } = await currentJob(deps, actor);
  // A runner whose phase is no longer current (force-canceled, reaped, superseded) must stop now.
  if (!current) return { cancel: true, force: true };
  await deps.db.update(runs).set({ heartbeatAt: deps.clock.now() }).where(eq(runs.id, row.run.id));
  return { cancel: row.run.cancelRequestedAt !== null, force: row.run.forceCancelRequested };
}

/** Appends a log chunk at `offset`; a retried chunk is accepted once (idempotent). */
export async function appendJobLog(
  deps: RunDeps,
  actor: Actor,
  offset: number,
  data: Uint8Array,
): Promise<number> {
  const { row, actor: a } = await requireCurrentJob(deps, actor);
  const stream = logStreamName(a.phase === "plan" ? row.run.planId : row.run.applyId);
  const length = await deps.logs.length(stream);
  if (offset > length) {
    throw new ConflictError(`log chunk at offset ${offset} leaves a gap after ${length} bytes`, {
      offset,
      length,
    });
  }
  const fresh = data.subarray(Math.min(data.byteLength, length - offset));
  if (fresh.byteLength === 0) return length;
  return deps.logs.append(stream, fresh);
}

const artifactLimit = 512 * 1024 * 1024;

export async function putJobArtifact(
  deps: RunDeps,
  actor: Actor,
  name: string,
  body: ReadableStream<Uint8Array>,
): Promise<void> {
  const { row } = await requireCurrentJob(deps, actor);
  await deps.blobs.put(artifactBlobKey(row.run, name), body, { maxBytes: artifactLimit });
}

export async function getJobArtifact(
  deps: RunDeps,
  actor: Actor,
  name: string,
): Promise<ReadableStream<Uint8Array>> {
  const { row } = await requireCurrentJob(deps, actor);
  const stream = await deps.blobs.get(artifactBlobKey(row.run, name));
  if (!stream) throw new NotFoundError("artifact", name);
  return stream;
}

/**
 * Saves the state an apply produced. Accepted from the apply's runner even after the run was ended
 * (canceled, or errored because the runner went quiet): state is never thrown away.
 */
export async function saveJobState(deps: RunDeps, actor: Actor, body: ReadableStream<Uint8Array>) {
  if (actor.kind !== "run" || actor.phase !== "apply")
    throw new ForbiddenError("only an apply job saves state");
  const row = await findRunById(deps.db, actor.runId);
  if (!row) throw new NotFoundError("run", actor.runId);
  return deps.saveRunState(row.run.id, row.run.workspaceId, body);
}

/** The runner's report that its phase is over. */
export async function finishJobPhase(deps: RunDeps, actor: Actor, result: PhaseResult): Promise<void> {
  const job = await currentJob(deps, actor);
  const { row } = job;
  const phase = job.actor.phase;
  if (!job.current) {
    // The run moved on (force-canceled, reaped): nothing to change, but keep the log.
    await persistPhaseLog(deps, row.run, phase, phase === "plan" ? row.run.planId : row.run.applyId);
    return;
  }
  let ended = false;
  await deps.db.transaction(async (tx) => {
    // Lock order: workspace first, then run (as the scheduler does). An ended run lets go of the
    // workspace in this same transaction: no reader sees it ended yet still holding the lock.
    await findWorkspaceForUpdate(tx, row.run.workspaceId);
    const locked = await findRunById(tx, row.run.id, true);
    if (
      !locked ||
      !runningStatuses.includes(locked.run.status as never) ||
      locked.run.attempt !== job.actor.attempt
    )
      return;
    const counts = result.counts;
    if (phase === "plan") {
      const extra = {
        hasChanges: result.hasChanges ?? false,
        errorMessage: result.errorMessage ?? null,
        planAdditions: counts?.additions ?? null,
        planChanges: counts?.changes ?? null,
        planDestructions: counts?.destructions ?? null,
        planImports: counts?.imports ?? null,
      };
      const event =
        result.status === "finished"
          ? ({ type: "plan_finished", hasChanges: result.hasChanges ?? false } as const)
          : result.status === "canceled"
            ? ({ type: "phase_canceled" } as const)
            : ({ type: "plan_errored" } as const);
      const t = await applyRunEvent(tx, deps, locked.run, event, extra);
      ended = terminalStatuses.includes(t.status) || t.status === "planned_and_saved";
    } else {
      const extra = {
        errorMessage: result.errorMessage ?? null,
        applyAdditions: counts?.additions ?? null,
        applyChanges: counts?.changes ?? null,
        applyDestructions: counts?.destructions ?? null,
        applyImports: counts?.imports ?? null,
      };
      const event =
        result.status === "finished"
          ? ({ type: "apply_finished" } as const)
          : result.status === "canceled"
            ? ({ type: "phase_canceled" } as const)
            : ({ type: "apply_errored" } as const);
      await applyRunEvent(tx, deps, locked.run, event, extra);
      ended = true;
    }
    if (ended) await releaseRunLock(tx, row.run.workspaceId, row.run.id);
  });
  try {
    await persistPhaseLog(deps, row.run, phase, phase === "plan" ? row.run.planId : row.run.applyId);
  } finally {
    // Even when the log could not be stored, the next run goes.
    if (ended) await afterRunEnded(deps, row.run.workspaceId, row.run.id);
    else deps.signals.runQueued();
  }
}

/** Copies a finished phase's live log into storage and lets the live stream expire. */
export async function persistPhaseLog(
  deps: RunDeps,
  run: { id: string; workspaceId: string },
  phase: "plan" | "apply",
  phaseId: string,
) {
  const stream = logStreamName(phaseId);
  await deps.logs.close(stream);
  const total = await deps.logs.length(stream);
  let offset = 0;
  const chunk = 256 * 1024;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= total) {
        controller.close();
        return;
      }
      const part = await deps.logs.read(stream, offset, Math.min(chunk, total - offset));
      if (part.byteLength === 0) {
        controller.close();
        return;
      }
      offset += part.byteLength;
      controller.enqueue(part);
    },
  });
  await deps.blobs.put(logBlobKey(run, phase), body, { contentType: "text/plain" });
  await deps.logs.expire(stream, 3600);
}

/**
 * Ends phases whose runner stopped answering. A lost plan is requeued (safe: plans change nothing) up
 * to three attempts; a lost apply errors, with a message saying so. `claimedBy` restricts the sweep to
 * one executor's jobs (e.g. every job of a local executor that restarted).
 */
export async function reapStaleRuns(
  deps: RunDeps,
  opts: {
    heartbeatBefore?: Date;
    claimedBy?: (executor: string | null) => boolean;
    /** Only this run's phase at this attempt (an executor whose runner died without reporting). */
    job?: { runId: string; attempt: number };
  },
): Promise<number> {
  const conds = [inArray(runs.status, [...runningStatuses])];
  if (opts.heartbeatBefore) conds.push(lt(runs.heartbeatAt, opts.heartbeatBefore));
  if (opts.job) conds.push(eq(runs.id, opts.job.runId), eq(runs.attempt, opts.job.attempt));
  const candidates = await deps.db
    .select()
    .from(runs)
    .where(and(...conds));
  let reaped = 0;
  for (const candidate of candidates) {
    if (opts.claimedBy && !opts.claimedBy(candidate.claimedBy)) continue;
    let ended = false;
    await deps.db.transaction(async (tx) => {
      const row = await findRunById(tx, candidate.id, true);
      if (!row || row.run.status !== candidate.status || row.run.attempt !== candidate.attempt) return;
      if (row.run.status === "planning" && row.run.attempt < 3 && row.run.cancelRequestedAt === null) {
        await applyRunEvent(tx, deps, row.run, { type: "requeue" }, { claimedBy: null });
      } else {
        await applyRunEvent(
          tx,
          deps,
          row.run,
          { type: "error" },
          {
            errorMessage:
              row.run.status === "applying"
                ? "The runner executing this apply stopped responding; any state it saved has been kept. Check the state before running again."
                : "The runner executing this plan stopped responding.",
          },
        );
        ended = true;
      }
      reaped += 1;
    });
    const phaseId = candidate.status === "planning" ? candidate.planId : candidate.applyId;
    await persistPhaseLog(deps, candidate, candidate.status === "planning" ? "plan" : "apply", phaseId);
    if (ended) await afterRunEnded(deps, candidate.workspaceId, candidate.id);
    else deps.signals.runQueued();
  }
  return reaped;
}

/** A slice of a phase's log, with what the CLI's log reader needs to frame it. */
export type LogSlice = {
  readonly data: Uint8Array;
  /** Bytes in the log so far. */
  readonly total: number;
  /** The phase has begun (or ended without ever starting): the log exists, possibly empty. */
  readonly started: boolean;
  /** The phase is over: `total` is final. */
  readonly complete: boolean;
};

export async function readPhaseLog(
  deps: RunDeps,
  actor: Actor,
  phaseId: string,
  offset: number,
  limit: number,
): Promise<LogSlice> {
  const run = await getRunByPhase(deps, actor, phaseId);
  const isPlan = phaseId === run.plan.id;
  const phase = isPlan ? run.plan : run.apply;
  const complete = ["finished", "errored", "canceled", "unreachable"].includes(phase.status);
  const started = complete || !["pending", "queued"].includes(phase.status);
  if (!started) return { data: new Uint8Array(), total: 0, started, complete };
  if (complete) {
    const key = logBlobKey(run, isPlan ? "plan" : "apply");
    const meta = await deps.blobs.head(key);
    if (meta) {
      const data =
        offset < meta.size
          ? ((await deps.blobs.getRange(key, offset, limit)) ?? new Uint8Array())
          : new Uint8Array();
      return { data, total: meta.size, started, complete };
    }
  }
  // Running, or finished a moment ago and not yet copied to storage: the live stream has it all.
  const stream = logStreamName(phaseId);
  const total = await deps.logs.length(stream);
  const data = offset < total ? await deps.logs.read(stream, offset, limit) : new Uint8Array();
  return { data, total, started, complete };
}
