import { type Actor, NotFoundError } from "@terrapod/kernel";
import { artifactBlobKey } from "../run/index.ts";
import { requireCurrentJob } from "./current-job.ts";
import type { JobDeps } from "./deps.ts";

/** A file an earlier phase of the same run stored (the apply reads the plan's plan file). */
export async function getJobArtifact(
  deps: JobDeps,
  actor: Actor,
  name: string,
): Promise<ReadableStream<Uint8Array>> {
  const { row } = await requireCurrentJob(deps, actor);
  const stream = await deps.blobs.get(artifactBlobKey(row.run, name));
  if (!stream) throw new NotFoundError("artifact", name);
  return stream;
}
