import type { Actor } from "@terrapod/kernel";
import type { RunDeps } from "./deps.ts";
import { logBlobKey, logStreamName } from "./model.ts";
import { getRunByPhase } from "./read-runs.ts";

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
