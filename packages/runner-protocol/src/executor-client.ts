import type { ExecutorApi } from "./executor-api.ts";
import { ClaimReply, EventsRequest, ExecutorEvents, executorPaths } from "./executor-messages.ts";
import { protocolVersion } from "./runner-messages.ts";

export type ExecutorClientOptions = {
  /** The server's base URL. */
  readonly serverUrl: URL;
  /** Returns the executor's credential for one request (a bearer token). */
  readonly authorization: () => Promise<string> | string;
  readonly fetch?: typeof fetch;
};

/** Thrown for any answer of the server that is not the expected message. */
export class ExecutorApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ExecutorApiError";
  }
}

/** The executor API over HTTPS, for executors outside the server process (listeners, agents). */
export function createExecutorClient(opts: ExecutorClientOptions): ExecutorApi {
  const doFetch = opts.fetch ?? fetch;
  async function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const res = await doFetch(new URL(path, opts.serverUrl), {
      method: "POST",
      headers: { authorization: await opts.authorization(), "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      throw new ExecutorApiError(`${path}: HTTP ${res.status} ${text.slice(0, 300)}`, res.status);
    }
    return res;
  }
  return {
    async claim(request) {
      const reply = ClaimReply.parse(await (await post(executorPaths.claim, request)).json());
      return reply.job ?? undefined;
    },
    async events(query) {
      const body = EventsRequest.parse({
        version: protocolVersion,
        executorId: query.executorId,
        running: query.running,
        waitSeconds: Math.min(30, query.waitMs / 1000),
      });
      try {
        const res = await post(executorPaths.events, body, query.signal);
        return ExecutorEvents.parse(await res.json());
      } catch (err) {
        // Woken up early by the executor itself: nothing happened on the server's side.
        if (query.signal?.aborted) return { version: protocolVersion, wake: true, stops: [] };
        throw err;
      }
    },
    async reportLost(report) {
      await post(executorPaths.lost, report);
    },
  };
}
