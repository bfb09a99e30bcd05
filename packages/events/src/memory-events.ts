import { ConflictError, UnavailableError } from "@terrapod/kernel";
import { type Events, type EventsErrorHandler, reportToConsole } from "./events.ts";
import {
  assertExpiry,
  assertName,
  assertNonNegativeInteger,
  assertTimeout,
  deliver,
  encodePayload,
} from "./validate.ts";

export type MemoryEventsOptions = {
  /** Receives subscriber failures; defaults to console.error. */
  readonly onError?: EventsErrorHandler;
};

/** New chunks get at least this much room, so small appends (log lines) share a buffer. */
const chunkCapacity = 64 * 1024;

type Chunk = { readonly start: number; readonly bytes: Uint8Array; used: number };
type Log = {
  chunks: Chunk[];
  length: number;
  closed: boolean;
  expiry: ReturnType<typeof setTimeout> | undefined;
};
type Subscription = { readonly handler: (payload: unknown) => void };

/**
 * In-process events for the embedded (single-process) server and for tests.
 *
 * Logs are kept as chunks tagged with their start offsets; small appends fill the tail chunk's spare
 * room, and `read` finds its first chunk by binary search. Bus payloads go through JSON like they do
 * over Redis, so every subscriber gets its own copy and non-JSON payloads fail on publish; delivery is
 * asynchronous and in publish order.
 */
export function createMemoryEvents(opts: MemoryEventsOptions = {}): Events {
  const onError = opts.onError ?? reportToConsole;
  const topics = new Map<string, Set<Subscription>>();
  const logs = new Map<string, Log>();
  const waiters = new Map<string, Set<() => void>>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new UnavailableError("events have been closed");
  };

  const wake = (stream: string) => {
    const set = waiters.get(stream);
    if (!set) return;
    for (const waiter of [...set]) waiter();
  };

  const drop = (stream: string) => {
    const log = logs.get(stream);
    if (log?.expiry !== undefined) clearTimeout(log.expiry);
    logs.delete(stream);
    wake(stream);
  };

  const bus: Events["bus"] = {
    async publish(topic, payload) {
      assertOpen();
      assertName("topic", topic);
      const text = encodePayload(topic, payload);
      const subscribers = topics.get(topic);
      if (!subscribers) return;
      for (const subscription of [...subscribers]) {
        queueMicrotask(() => {
          // Unsubscribed after publishing but before delivery: like Redis, nothing arrives.
          if (!topics.get(topic)?.has(subscription)) return;
          deliver(subscription.handler, JSON.parse(text), (err) =>
            onError(err, { source: "subscriber", topic }),
          );
        });
      }
    },

    async subscribe(topic, handler) {
      assertOpen();
      assertName("topic", topic);
      const subscription: Subscription = { handler };
      let set = topics.get(topic);
      if (!set) {
        set = new Set();
        topics.set(topic, set);
      }
      set.add(subscription);
      return async () => {
        const current = topics.get(topic);
        current?.delete(subscription);
        if (current?.size === 0) topics.delete(topic);
      };
    },
  };

  const streams: Events["logs"] = {
    async append(stream, data) {
      assertOpen();
      assertName("stream", stream);
      let log = logs.get(stream);
      if (log?.closed) throw new ConflictError(`log stream ${stream} is closed`, { stream });
      if (data.byteLength === 0) return log?.length ?? 0;
      if (!log) {
        log = { chunks: [], length: 0, closed: false, expiry: undefined };
        logs.set(stream, log);
      }
      const tail = log.chunks.at(-1);
      if (tail && tail.bytes.byteLength - tail.used >= data.byteLength) {
        tail.bytes.set(data, tail.used);
        tail.used += data.byteLength;
      } else {
        const bytes = new Uint8Array(Math.max(chunkCapacity, data.byteLength));
        bytes.set(data, 0);
        log.chunks.push({ start: log.length, bytes, used: data.byteLength });
      }
      log.length += data.byteLength;
      wake(stream);
      return log.length;
    },

    async read(stream, offset, limit) {
      assertOpen();
      assertName("stream", stream);
      assertNonNegativeInteger("offset", offset);
      assertNonNegativeInteger("limit", limit);
      const log = logs.get(stream);
      if (!log || offset >= log.length || limit === 0) return new Uint8Array(0);
      const end = Math.min(log.length, offset + limit);
      const out = new Uint8Array(end - offset);
      let filled = 0;
      for (let i = chunkIndexOf(log.chunks, offset); i < log.chunks.length && filled < out.byteLength; i++) {
        const chunk = log.chunks[i];
        if (!chunk) break;
        const from = offset + filled - chunk.start;
        const piece = chunk.bytes.subarray(from, Math.min(chunk.used, from + (out.byteLength - filled)));
        out.set(piece, filled);
        filled += piece.byteLength;
      }
      return out;
    },

    async length(stream) {
      assertOpen();
      assertName("stream", stream);
      return logs.get(stream)?.length ?? 0;
    },

    async close(stream) {
      assertOpen();
      assertName("stream", stream);
      let log = logs.get(stream);
      if (!log) {
        log = { chunks: [], length: 0, closed: false, expiry: undefined };
        logs.set(stream, log);
      }
      log.closed = true;
      wake(stream);
    },

    async isClosed(stream) {
      assertOpen();
      assertName("stream", stream);
      return logs.get(stream)?.closed ?? false;
    },

    async waitFor(stream, offset, timeoutMs) {
      assertOpen();
      assertName("stream", stream);
      assertNonNegativeInteger("offset", offset);
      assertTimeout(timeoutMs);
      const ready = () => {
        const log = logs.get(stream);
        return closed || (log !== undefined && (log.length > offset || log.closed));
      };
      if (ready() || timeoutMs === 0) return;
      await new Promise<void>((resolve) => {
        let set = waiters.get(stream);
        if (!set) {
          set = new Set();
          waiters.set(stream, set);
        }
        const streamWaiters = set;
        const finish = () => {
          clearTimeout(timer);
          streamWaiters.delete(waiter);
          if (streamWaiters.size === 0 && waiters.get(stream) === streamWaiters) waiters.delete(stream);
          resolve();
        };
        // Woken by every change to the stream; a deletion also ends the wait.
        const waiter = () => {
          if (ready() || !logs.has(stream)) finish();
        };
        const timer = setTimeout(finish, timeoutMs);
        set.add(waiter);
      });
    },

    async delete(stream) {
      assertOpen();
      assertName("stream", stream);
      drop(stream);
    },

    async expire(stream, seconds) {
      assertOpen();
      assertName("stream", stream);
      assertExpiry(seconds);
      const log = logs.get(stream);
      if (!log) return;
      if (log.expiry !== undefined) clearTimeout(log.expiry);
      const timer = setTimeout(
        () => {
          if (logs.get(stream) === log) drop(stream);
        },
        Math.ceil(seconds * 1000),
      );
      // Expiry must not keep the process alive on shutdown.
      timer.unref();
      log.expiry = timer;
    },
  };

  return {
    bus,
    logs: streams,
    async ping() {
      assertOpen();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const log of logs.values()) if (log.expiry !== undefined) clearTimeout(log.expiry);
      for (const stream of [...waiters.keys()]) wake(stream);
      topics.clear();
    },
  };
}

/** Index of the chunk containing `offset` (the last chunk starting at or before it). */
function chunkIndexOf(chunks: readonly Chunk[], offset: number): number {
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const chunk = chunks[mid];
    if (chunk !== undefined && chunk.start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
