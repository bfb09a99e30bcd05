import { ConflictError, InternalError, TerrapodError, UnavailableError } from "@terrapod/kernel";
import { Redis } from "ioredis";
import { type Events, type EventsErrorHandler, reportToConsole } from "./events.ts";
import { appendScript, closeScript, readScript } from "./redis-scripts.ts";
import {
  assertExpiry,
  assertName,
  assertNonNegativeInteger,
  assertTimeout,
  deliver,
  encodePayload,
} from "./validate.ts";

export type RedisEventsConfig = {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  readonly url: string;
  /** Prepended to every key and channel (e.g. `terrapod:`), so several installs can share a Redis. */
  readonly keyPrefix: string;
  /** Receives subscriber failures and connection errors; defaults to console.error. */
  readonly onError?: EventsErrorHandler | undefined;
  /** Default 5000. */
  readonly connectTimeoutMs?: number | undefined;
  /** A command with no reply after this long fails with UnavailableError. Default 5000. */
  readonly commandTimeoutMs?: number | undefined;
  /**
   * Reconnection attempts a command waits through before failing with UnavailableError. Default 1,
   * so callers learn quickly that Redis is down; the client keeps reconnecting in the background.
   */
  readonly maxRetriesPerRequest?: number | undefined;
};

type LogCommands = {
  terrapodLogAppend(data: string, meta: string, bytes: Buffer, channel: string): Promise<number>;
  terrapodLogReadBuffer(data: string, offset: string, limit: string): Promise<Buffer>;
  terrapodLogClose(meta: string, channel: string): Promise<number>;
};

type ChannelEntry = { readonly listeners: Set<(message: string) => void>; ready: Promise<void> };

/**
 * Events on Redis (multi-replica servers and listeners).
 *
 * - Two connections: commands, and a dedicated subscriber (a connection in subscribe mode can issue
 *   nothing else). Both connect lazily on first use; the factory performs no I/O.
 * - Bus: PUBLISH/SUBSCRIBE on `<prefix>bus:<topic>` with JSON payloads; subscriptions are ref-counted
 *   per channel on the subscriber connection and re-established by ioredis after reconnects.
 * - Logs: see redis-scripts.ts. Appends run as one Lua script (length check, XADD with the offset as
 *   ID, length update, notification), so concurrent appenders never produce overlapping offsets.
 * - `waitFor` uses the pub/sub notifications that every append/close/delete publishes rather than
 *   XREAD BLOCK: a blocking XREAD occupies a whole connection for its duration, so N concurrent
 *   long-polls would need N connections, while any number of waiters share the one subscriber
 *   connection. The waiter subscribes first and then checks the current length, so an append that
 *   lands in between is never missed.
 * - Connection failures and timeouts are UnavailableError; server error replies are InternalError.
 */
export function createRedisEvents(config: RedisEventsConfig): Events {
  const onError = config.onError ?? reportToConsole;
  const commands = withLogCommands(connect(config, config.commandTimeoutMs ?? 5000));
  // Subscribe/unsubscribe acknowledgements are the only replies here; no command timeout needed.
  const subscriber = connect(config, undefined);
  commands.on("error", (err: unknown) => onError(err, { source: "connection", connection: "command" }));
  subscriber.on("error", (err: unknown) => onError(err, { source: "connection", connection: "subscriber" }));
  const state: RedisState = {
    prefix: config.keyPrefix,
    onError,
    commands,
    subscriber,
    channels: new Map(),
    pendingWaits: new Set(),
    closed: false,
  };
  subscriber.on("message", (channel: string, message: string) => {
    const entry = state.channels.get(channel);
    if (!entry) return;
    for (const listener of [...entry.listeners]) listener(message);
  });
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
    ping: () => ping(state),
    close: () => closeEvents(state),
  };
}

/** What the operations of one Redis events instance share. */
type RedisState = {
  readonly prefix: string;
  readonly onError: EventsErrorHandler;
  readonly commands: Redis & LogCommands;
  readonly subscriber: Redis;
  /** Channels subscribed on `subscriber`, with their listeners. */
  readonly channels: Map<string, ChannelEntry>;
  /** Wakes each pending `waitFor`. */
  readonly pendingWaits: Set<() => void>;
  closed: boolean;
};

function connect(config: RedisEventsConfig, commandTimeout: number | undefined): Redis {
  return new Redis(config.url, {
    lazyConnect: true,
    connectTimeout: config.connectTimeoutMs ?? 5000,
    commandTimeout,
    maxRetriesPerRequest: config.maxRetriesPerRequest ?? 1,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

function dataKey(state: RedisState, stream: string): string {
  return `${state.prefix}log:{${stream}}:data`;
}

function metaKey(state: RedisState, stream: string): string {
  return `${state.prefix}log:{${stream}}:meta`;
}

function notifyChannel(state: RedisState, stream: string): string {
  return `${state.prefix}log-notify:${stream}`;
}

function busChannel(state: RedisState, topic: string): string {
  return `${state.prefix}bus:${topic}`;
}

function assertOpen(state: RedisState): void {
  if (state.closed) throw new UnavailableError("events have been closed");
}

/** Adds a listener to a channel, subscribing on first use; resolves once Redis confirmed it. */
async function listen(
  state: RedisState,
  channel: string,
  listener: (message: string) => void,
): Promise<() => Promise<void>> {
  const { channels, subscriber } = state;
  let entry = channels.get(channel);
  if (!entry) {
    const created: ChannelEntry = { listeners: new Set(), ready: Promise.resolve() };
    created.ready = subscriber.subscribe(channel).then(
      () => undefined,
      (err: unknown) => {
        if (channels.get(channel) === created) channels.delete(channel);
        throw mapRedisError(err, `subscribing to ${channel}`);
      },
    );
    channels.set(channel, created);
    entry = created;
  }
  const current = entry;
  current.listeners.add(listener);
  try {
    await current.ready;
  } catch (err) {
    current.listeners.delete(listener);
    throw err;
  }
  let active = true;
  return async () => {
    if (!active) return;
    active = false;
    current.listeners.delete(listener);
    if (current.listeners.size > 0 || channels.get(channel) !== current) return;
    channels.delete(channel);
    if (state.closed) return;
    await call(`unsubscribing from ${channel}`, () => subscriber.unsubscribe(channel));
  };
}

async function publish(state: RedisState, topic: string, payload: unknown): Promise<void> {
  assertOpen(state);
  assertName("topic", topic);
  const text = encodePayload(topic, payload);
  await call(`publishing to ${topic}`, () => state.commands.publish(busChannel(state, topic), text));
}

async function subscribe(
  state: RedisState,
  topic: string,
  handler: (payload: unknown) => void,
): Promise<() => Promise<void>> {
  assertOpen(state);
  assertName("topic", topic);
  const report = (err: unknown) => state.onError(err, { source: "subscriber", topic });
  return listen(state, busChannel(state, topic), (message) => {
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch (err) {
      report(new InternalError(`malformed message on topic ${topic}`, { cause: err }));
      return;
    }
    deliver(handler, payload, report);
  });
}

async function appendLog(state: RedisState, stream: string, data: Uint8Array): Promise<number> {
  assertOpen(state);
  assertName("stream", stream);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const total = await call(`appending to ${stream}`, () =>
    state.commands.terrapodLogAppend(
      dataKey(state, stream),
      metaKey(state, stream),
      bytes,
      notifyChannel(state, stream),
    ),
  );
  if (total < 0) throw new ConflictError(`log stream ${stream} is closed`, { stream });
  return total;
}

async function readLog(
  state: RedisState,
  stream: string,
  offset: number,
  limit: number,
): Promise<Uint8Array> {
  assertOpen(state);
  assertName("stream", stream);
  assertNonNegativeInteger("offset", offset);
  assertNonNegativeInteger("limit", limit);
  if (limit === 0) return new Uint8Array(0);
  const bytes = await call(`reading ${stream}`, () =>
    state.commands.terrapodLogReadBuffer(dataKey(state, stream), String(offset), String(limit)),
  );
  // Copy: the reply buffer may be a view into a larger one owned by the client.
  return Uint8Array.prototype.slice.call(bytes);
}

async function logLength(state: RedisState, stream: string): Promise<number> {
  assertOpen(state);
  assertName("stream", stream);
  const raw = await call(`reading the length of ${stream}`, () =>
    state.commands.hget(metaKey(state, stream), "len"),
  );
  return raw === null ? 0 : Number(raw);
}

async function closeLog(state: RedisState, stream: string): Promise<void> {
  assertOpen(state);
  assertName("stream", stream);
  await call(`closing ${stream}`, () =>
    state.commands.terrapodLogClose(metaKey(state, stream), notifyChannel(state, stream)),
  );
}

async function isLogClosed(state: RedisState, stream: string): Promise<boolean> {
  assertOpen(state);
  assertName("stream", stream);
  const closed = await call(`reading ${stream}`, () => state.commands.hget(metaKey(state, stream), "closed"));
  return closed === "1";
}

async function waitForLog(
  state: RedisState,
  stream: string,
  offset: number,
  timeoutMs: number,
): Promise<void> {
  assertOpen(state);
  assertName("stream", stream);
  assertNonNegativeInteger("offset", offset);
  assertTimeout(timeoutMs);
  if (timeoutMs === 0) return;
  let wake: () => void = () => {};
  const woken = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const stop = await listen(state, notifyChannel(state, stream), (message) => {
    // Lengths only grow: wake once past `offset`; "closed"/"deleted" always wake.
    const length = Number(message);
    if (!Number.isFinite(length) || length > offset) wake();
  });
  state.pendingWaits.add(wake);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const [len, isClosed] = await call(`reading ${stream}`, () =>
      state.commands.hmget(metaKey(state, stream), "len", "closed"),
    );
    if (Number(len ?? 0) > offset || isClosed === "1") return;
    await Promise.race([
      woken,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    state.pendingWaits.delete(wake);
    await stop();
  }
}

async function deleteLog(state: RedisState, stream: string): Promise<void> {
  assertOpen(state);
  assertName("stream", stream);
  await call(`deleting ${stream}`, () =>
    state.commands
      .multi()
      .del(dataKey(state, stream), metaKey(state, stream))
      .publish(notifyChannel(state, stream), "deleted")
      .exec(),
  );
}

async function expireLog(state: RedisState, stream: string, seconds: number): Promise<void> {
  assertOpen(state);
  assertName("stream", stream);
  assertExpiry(seconds);
  const ms = Math.max(1, Math.ceil(seconds * 1000));
  await call(`setting the expiry of ${stream}`, () =>
    state.commands.multi().pexpire(dataKey(state, stream), ms).pexpire(metaKey(state, stream), ms).exec(),
  );
}

async function ping(state: RedisState): Promise<void> {
  assertOpen(state);
  await call("pinging Redis", () => state.commands.ping());
}

async function closeEvents(state: RedisState): Promise<void> {
  if (state.closed) return;
  state.closed = true;
  for (const wake of [...state.pendingWaits]) wake();
  state.channels.clear();
  await Promise.all([quit(state.commands), quit(state.subscriber)]);
}

function withLogCommands(redis: Redis): Redis & LogCommands {
  redis.defineCommand("terrapodLogAppend", { numberOfKeys: 2, lua: appendScript });
  redis.defineCommand("terrapodLogRead", { numberOfKeys: 1, lua: readScript, readOnly: true });
  redis.defineCommand("terrapodLogClose", { numberOfKeys: 1, lua: closeScript });
  // defineCommand adds these methods at runtime; ioredis cannot type them.
  return redis as Redis & LogCommands;
}

/** Closes a connection politely, or forcibly when it is not connected. */
async function quit(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    // QUIT failing means the connection is already gone; make sure it stays that way.
    redis.disconnect();
  }
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapRedisError(err, what);
  }
}

/** Error replies from the server are bugs (InternalError); everything else means Redis is unreachable. */
function mapRedisError(err: unknown, what: string): TerrapodError {
  if (err instanceof TerrapodError) return err;
  const message = `Redis ${what} failed: ${err instanceof Error ? err.message : String(err)}`;
  if (err instanceof Error && err.name === "ReplyError") return new InternalError(message, { cause: err });
  return new UnavailableError(message, { cause: err, dependency: "redis" });
}
