import { type Actor, ConflictError } from "@terrapod/kernel";
import { logStreamName } from "../run/index.ts";
import { requireCurrentJob } from "./current-job.ts";
import type { JobDeps } from "./deps.ts";

/** Appends a log chunk at `offset`; a retried chunk is accepted once (idempotent). */
export async function appendJobLog(
  deps: JobDeps,
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
