/**
 * Keeps memory flat while large bodies stream through: Bun's collector is lazy and sizes its heap from
 * what is live (a few hundred MB with PGlite in-process), so the short-lived chunks of a 100 MB
 * transfer pile up unless a young-generation collection is requested every few megabytes.
 */
export function pacedTransfer(everyBytes = 2 * 1024 * 1024) {
  return (stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> => {
    let since = 0;
    return stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          since += chunk.byteLength;
          if (since >= everyBytes) {
            since = 0;
            Bun.gc(false);
          }
          controller.enqueue(chunk);
        },
      }),
    );
  };
}
