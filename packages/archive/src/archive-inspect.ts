/** Validation of configuration archives without extracting them (the server, while an upload streams). */
import { type ArchiveLimits, type ArchiveSummary, defaultArchiveLimits } from "./archive-model.ts";
import { scanStream, startScan } from "./archive-scan.ts";

/** Reads a whole archive and validates it (without writing anything). */
export function inspectArchive(
  stream: AsyncIterable<Uint8Array>,
  limits: ArchiveLimits = defaultArchiveLimits,
): Promise<ArchiveSummary> {
  return scanStream(stream, limits);
}

export type ArchiveInspection = {
  /** The same bytes as the input, for storage. Errors (instead of closing) if the archive is refused. */
  readonly output: ReadableStream<Uint8Array>;
  /** Resolves when the archive was read to its end and is safe; rejects with InvalidArchiveError. */
  readonly verdict: Promise<ArchiveSummary>;
};

/**
 * Returns a function that validates an upload while it streams past: pipe `output` into storage and
 * await `verdict`. Bytes flow through only as fast as they are validated (no buffering of the archive);
 * `output` ends only after the verdict, and errors with it when the archive is refused. Cancelling
 * `output` cancels the input and rejects the verdict with the cancel reason.
 */
export function createArchiveInspector(
  limits: ArchiveLimits = defaultArchiveLimits,
): (body: ReadableStream<Uint8Array>) => ArchiveInspection {
  return (body) => {
    const scan = startScan(limits);
    const reader = body.getReader();
    let settled = false;
    const output = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          scan.done.catch((err: unknown) => {
            if (settled) return;
            settled = true;
            controller.error(err);
            reader.cancel(err).catch(() => undefined);
          });
        },
        async pull(controller) {
          try {
            for (;;) {
              const next = await reader.read();
              if (next.done) {
                await scan.end();
                if (!settled) {
                  settled = true;
                  controller.close();
                }
                return;
              }
              if (next.value.byteLength === 0) continue;
              await scan.write(next.value);
              controller.enqueue(next.value);
              return;
            }
          } catch (err) {
            const reason = err instanceof Error ? err : new Error(String(err));
            scan.abort(reason);
            if (!settled) {
              settled = true;
              controller.error(reason);
              reader.cancel(reason).catch(() => undefined);
            }
          }
        },
        cancel(reason: unknown) {
          settled = true;
          scan.abort(reason instanceof Error ? reason : new Error("the archive upload was cancelled"));
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
    return { output, verdict: scan.done };
  };
}
