import type { Actor } from "@terrapod/kernel";
import { artifactBlobKey } from "../run/index.ts";
import { requireCurrentJob } from "./current-job.ts";
import type { JobDeps } from "./deps.ts";

const artifactLimit = 512 * 1024 * 1024;

/** Stores a file the runner produced (plan file, lock file, plan JSON, provider schemas). */
export async function putJobArtifact(
  deps: JobDeps,
  actor: Actor,
  name: string,
  body: ReadableStream<Uint8Array>,
): Promise<void> {
  const { row } = await requireCurrentJob(deps, actor);
  await deps.blobs.put(artifactBlobKey(row.run, name), body, { maxBytes: artifactLimit });
}
