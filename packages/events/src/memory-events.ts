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
  const state: MemoryState = {
    onError: opts.onError ?? reportToConsole,
    topics: new Map(),
    logs: new Map(),
    waiters: new Map(),
    closed: false,
  };
  return {
    bus: {
      publish: (topic, payload) => publish(state, topic, payload),
      subscribe: (topic, handler) => subscribe(state, topic, handler),
    },
    logs: {
      append: (stream, data) => appendLog(state, stream, data),
      read: (stream, offset, limit) => readLog(state, stream, offset, limit),
      length: (stream) => logLength(state, stream),
      close: (stream) => closeLog(state, stream),
      isClosed: (stream) => isLogClosed(state, stream),
      waitFor: (stream, offset, timeoutMs) => waitForLog(state, stream, offset, timeoutMs),
      delete: (stream) => deleteLog(state, stream),
      expire: (stream, seconds) => expireLog(state, stream, seconds),
    },
    ping: async () => assertOpen(state),
    close: () => closeEvents(state),
  };
}

/** What the operations of one in-process events instance share. */
type MemoryState = {
  readonly onError: EventsErrorHandler;
  readonly topics: Map<string, Set<Subscription>>;
  readonly logs: Map<string, Log>;
  /** Called on every change to their stream (and on close). */
  readonly waiters: Map<string, Set<() => void>>;
  closed: boolean;
};

function assertOpen(state: MemoryState): void {
  if (state.closed) throw new UnavailableError("events have been closed");
}

function wake(state: MemoryState, stream: string): void {
  const set = state.waiters.get(stream);
  if (!set) return;
  for (const waiter of [...set]) waiter();
}

function drop(state: MemoryState, stream: string): void {
  const log = state.logs.get(stream);
  if (log?.expiry !== undefined) clearTimeout(log.expiry);
  state.logs.delete(stream);
  wake(state, stream);
}

/** The existing log of a stream, or a new empty one. */
function logOf(state: MemoryState, stream: string): Log {
  let log = state.logs.get(stream);
  if (!log) {
    log = { chunks: [], length: 0, closed: false, expiry: undefined };
    state.logs.set(stream, log);
  }
  return log;
}

async function publish(state: MemoryState, topic: string, payload: unknown): Promise<void> {
  assertOpen(state);
  assertName("topic", topic);
  const text = encodePayload(topic, payload);
  const subscribers = state.topics.get(topic);
  if (!subscribers) return;
  for (const subscription of [...subscribers]) {
    queueMicrotask(() => {
      // Unsubscribed after publishing but before delivery: like Redis, nothing arrives.
      if (!state.topics.get(topic)?.has(subscription)) return;
      deliver(subscription.handler, JSON.parse(text), (err) =>
        state.onError(err, { source: "subscriber", topic }),
      );
    });
  }
}

async function subscribe(
  state: MemoryState,
  topic: string,
  handler: (payload: unknown) => void,
): Promise<() => Promise<void>> {
  assertOpen(state);
  assertName("topic", topic);
  const subscription: Subscription = { handler };
  let set = state.topics.get(topic);
  if (!set) {
    set = new Set();
    state.topics.set(topic, set);
  }
  set.add(subscription);
  return async () => {
    const current = state.topics.get(topic);
    current?.delete(subscription);
    if (current?.size === 0) state.topics.delete(topic);
  };
}

async function appendLog(state: MemoryState, stream: string, data: Uint8Array): Promise<number> {
  assertOpen(state);
  assertName("stream", stream);
  const existing = state.logs.get(stream);
  if (existing?.closed) throw new ConflictError(`log stream ${stream} is closed`, { stream });
  if (data.byteLength === 0) return existing?.length ?? 0;
  const log = logOf(state, stream);
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
  wake(state, stream);
  return log.length;
}

async function readLog(
  state: MemoryState,
  stream: string,
  offset: number,
  limit: number,
): Promise<Uint8Array> {
  assertOpen(state);
  assertName("stream", stream);
  assertNonNegativeInteger("offset", offset);
  assertNonNegativeInteger("limit", limit);
  const log = state.logs.get(stream);
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
}

async function logLength(state: MemoryState, stream: string): Promise<number> {
  assertOpen(state);
  assertName("stream", stream);
  return state.logs.get(stream)?.length ?? 0;
}

async function closeLog(state: MemoryState, stream: string): Promise<void> {
  assertOpen(state);
  assertName("stream", stream);
  logOf(state, stream).closed = true;
  wake(state, stream);
}

async function isLogClosed(state: MemoryState, stream: string): Promise<boolean> {
  assertOpen(state);
  assertName("stream", stream);
  return state.logs.get(stream)?.closed ?? false;
}

async function waitForLog(
  state: MemoryState,
  stream: string,
  offset: number,
  timeoutMs: number,
): Promise<void> {
  assertOpen(state);
  assertName("stream", stream);
  assertNonNegativeInteger("offset", offset);
  assertTimeout(timeoutMs);
  const { logs, waiters } = state;
  const ready = () => {
    const log = logs.get(stream);
    return state.closed || (log !== undefined && (log.length > offset || log.closed));
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
}

async function deleteLog(state: MemoryState, stream: string): Promise<void> {
  assertOpen(state);
  assertName("stream", stream);
  drop(state, stream);
}

async function expireLog(state: MemoryState, stream: string, seconds: number): Promise<void> {
  assertOpen(state);
  assertName("stream", stream);
  assertExpiry(seconds);
  const log = state.logs.get(stream);
  if (!log) return;
  if (log.expiry !== undefined) clearTimeout(log.expiry);
  const timer = setTimeout(
    () => {
      if (state.logs.get(stream) === log) drop(state, stream);
    },
    Math.ceil(seconds * 1000),
  );
  // Expiry must not keep the process alive on shutdown.
  timer.unref();
  log.expiry = timer;
}

async function closeEvents(state: MemoryState): Promise<void> {
  if (state.closed) return;
  state.closed = true;
  for (const log of state.logs.values()) if (log.expiry !== undefined) clearTimeout(log.expiry);
  for (const stream of [...state.waiters.keys()]) wake(state, stream);
  state.topics.clear();
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
