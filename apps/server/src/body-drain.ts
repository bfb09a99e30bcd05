/**
 * Bodies may run this far past TERRAPOD_MAX_BODY_BYTES before Bun itself cuts the connection (its own
 * bare 413): up to there the edge answers a JSON:API 413 and discards the rest, so the client reads it.
 */
export const bodySlackBytes = 64 * 1024 * 1024;

/** How much of a body the edge discards, at most, so that its client can read the answer. */
export type DrainBound = { readonly maxBytes: number; readonly maxMs: number };

/** A request whose body handlers may abandon without the connection being cut under its client. */
export type GuardedBody = {
  /** The request handlers see: the same request, its body read through the guard. */
  readonly request: Request;
  /**
   * After the answer is ready: discards what the handler left unread (up to the bound), so a client
   * that writes its whole body before reading (Python's urllib) still receives the answer (a 413, a
   * 401) instead of a reset connection. Past the bound the body is cancelled (the connection closes).
   */
  settle(): Promise<void>;
};

/**
 * Handlers stop reading a body they refuse (a limit, an error) by cancelling it; cancelling the socket's
 * own stream would make the server close the connection while the client still writes. The guard keeps
 * the socket's stream: a cancel only detaches the handler, and `settle()` reads the rest away.
 */
export function guardBody(req: Request, bound: DrainBound): GuardedBody {
  const source = req.body;
  if (!source) return { request: req, settle: async () => {} };
  const reader = source.getReader();
  let seen = 0;
  let finished = false;
  const read = async () => {
    try {
      const chunk = await reader.read();
      if (chunk.done) finished = true;
      else seen += chunk.value.byteLength;
      return chunk;
    } catch (err) {
      finished = true;
      throw err;
    }
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await read().catch((err: unknown) => {
          controller.error(err);
          return undefined;
        });
        if (!chunk) return;
        try {
          if (chunk.done) controller.close();
          else controller.enqueue(chunk.value);
        } catch {
          // The handler cancelled while this read was pending: the chunk counts as discarded.
        }
      },
      cancel() {
        // The handler gave up on the body; `settle()` discards the rest.
      },
    },
    { highWaterMark: 0 },
  );
  const init = { method: req.method, headers: req.headers, body, signal: req.signal, duplex: "half" };
  return {
    request: new Request(req.url, init as RequestInit),
    async settle() {
      if (finished) return;
      const deadline = Date.now() + bound.maxMs;
      try {
        while (!finished && seen <= bound.maxBytes && Date.now() < deadline) {
          await withDeadline(read(), deadline);
        }
      } catch {
        // The client went away, or was too slow: nothing more to do for it.
      }
      if (!finished) await reader.cancel().catch(() => undefined);
    },
  };
}

async function withDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("body drain timed out")),
          Math.max(0, deadline - Date.now()),
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
