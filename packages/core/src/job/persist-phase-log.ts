import { logBlobKey, logStreamName } from "../run/index.ts";
import type { JobDeps } from "./deps.ts";

/** Copies a finished phase's live log into storage and lets the live stream expire. */
export async function persistPhaseLog(
  deps: Pick<JobDeps, "logs" | "blobs">,
  run: { id: string; workspaceId: string },
  phase: "plan" | "apply",
  phaseId: string,
): Promise<void> {
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
