import { configurationVersions } from "@terrapod/db";
import {
  type Actor,
  ConflictError,
  ForbiddenError,
  InvalidError,
  isTerrapodError,
  NotFoundError,
} from "@terrapod/kernel";
import { and, eq, isNull, lt, not, or } from "drizzle-orm";
import type { ConfigurationVersionDeps } from "./deps.ts";
import { type ConfigurationVersion, configurationBlobKey } from "./model.ts";
import { anyRunUsesVersion, findConfigurationVersion } from "./queries.ts";

const uploadClaimTtlMs = 5 * 60_000;

/**
 * Streams a configuration archive into storage while validating it (paths, links, sizes, bombs). A bad
 * archive is refused with the reason, nothing is kept, and the version (and runs waiting on it) error.
 */
export async function uploadConfiguration(
  deps: ConfigurationVersionDeps,
  actor: Actor,
  id: string,
  body: ReadableStream<Uint8Array>,
): Promise<ConfigurationVersion> {
  if (actor.kind !== "capability" || actor.purpose !== "configuration-upload" || actor.resourceId !== id) {
    throw new ForbiddenError("uploading a configuration requires its upload URL");
  }
  const cv = await findConfigurationVersion(deps.db, id);
  if (!cv) throw new NotFoundError("configuration version", id);
  if (cv.status !== "pending" && cv.status !== "uploaded") {
    throw new ConflictError(`configuration version ${id} is ${cv.status}; it cannot be uploaded again`, {
      id,
    });
  }
  await claimUpload(deps, cv);

  const key = configurationBlobKey(cv.workspaceId, id);
  const inspection = deps.inspectArchive(body);
  // Observe the verdict at once so a failure is never an unhandled rejection.
  const verdict = inspection.verdict.then(
    (v) => ({ ok: true as const, v }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  let size: number;
  try {
    ({ size } = await deps.blobs.put(key, inspection.output, {
      contentType: "application/gzip",
      maxBytes: deps.limits.maxArchiveBytes,
    }));
  } catch (err) {
    const judged = await verdict;
    await deps.blobs.delete(key);
    await settle(deps, cv, "errored", messageOf(judged.ok ? err : judged.err));
    throw judged.ok ? err : judged.err;
  }
  const judged = await verdict;
  if (!judged.ok) {
    await deps.blobs.delete(key);
    await settle(deps, cv, "errored", messageOf(judged.err));
    throw judged.err;
  }
  await deps.db
    .update(configurationVersions)
    .set({ status: "uploaded", size, uploadedAt: deps.clock.now(), uploadStartedAt: null })
    .where(eq(configurationVersions.id, id));
  await deps.afterUpload({
    id,
    workspaceId: cv.workspaceId,
    autoQueueRuns: cv.autoQueueRuns,
    status: "uploaded",
  });
  const done = await findConfigurationVersion(deps.db, id);
  if (!done) throw new NotFoundError("configuration version", id);
  return done;
}

/**
 * The upload URL stays usable until a run uses the version (as TFE's does until it expires): a later
 * upload replaces the archive. Claiming flips the version back to pending, so no run starts on it while
 * the new archive streams in; a claim left by a dead process expires.
 */
async function claimUpload(deps: ConfigurationVersionDeps, cv: ConfigurationVersion): Promise<void> {
  const now = deps.clock.now();
  const claimed = await deps.db
    .update(configurationVersions)
    .set({ status: "pending", uploadStartedAt: now })
    .where(
      and(
        eq(configurationVersions.id, cv.id),
        or(
          eq(configurationVersions.status, "pending"),
          and(
            eq(configurationVersions.status, "uploaded"),
            eq(configurationVersions.backingData, "present"),
            not(anyRunUsesVersion(deps.db)),
          ),
        ),
        or(
          isNull(configurationVersions.uploadStartedAt),
          lt(configurationVersions.uploadStartedAt, new Date(now.getTime() - uploadClaimTtlMs)),
        ),
      ),
    )
    .returning({ id: configurationVersions.id });
  if (claimed.length === 0) {
    if (cv.status === "uploaded") {
      throw new ConflictError(
        `configuration version ${cv.id} is already used by a run (or being uploaded); it cannot be uploaded again`,
        { id: cv.id },
      );
    }
    throw new ConflictError(`an upload of ${cv.id} is already in progress`, { id: cv.id });
  }
}

async function settle(
  deps: ConfigurationVersionDeps,
  cv: ConfigurationVersion,
  status: "errored",
  message: string,
) {
  await deps.db
    .update(configurationVersions)
    .set({ status, errorMessage: message.slice(0, 2000), uploadStartedAt: null })
    .where(eq(configurationVersions.id, cv.id));
  await deps.afterUpload({ id: cv.id, workspaceId: cv.workspaceId, autoQueueRuns: false, status });
}

function messageOf(err: unknown): string {
  if (isTerrapodError(err)) return err.message;
  if (err instanceof InvalidError) return err.message;
  return "the upload failed";
}
