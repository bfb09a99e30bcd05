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
  const prefix = config.keyPrefix;
  const onError = config.onError ?? reportToConsole;
  const connect = (commandTimeout: number | undefined) =>
    new Redis(config.url, {
      lazyConnect: true,
      connectTimeout: config.connectTimeoutMs ?? 5000,
      commandTimeout,
      maxRetriesPerRequest: config.maxRetriesPerRequest ?? 1,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
  const commands = withLogCommands(connect(config.commandTimeoutMs ?? 5000));
  // Subscribe/unsubscribe acknowledgements are the only replies here; no command timeout needed.
  const subscriber = connect(undefined);
  commands.on("error", (err: unknown) => onError(err, { source: "connection", connection: "command" }));
  subscriber.on("error", (err: unknown) => onError(err, { source: "connection", connection: "subscriber" }));

  const channels = new Map<string, ChannelEntry>();
  const pendingWaits = new Set<() => void>();
  let closed = false;

  subscriber.on("message", (channel: string, message: string) => {
    const entry = channels.get(channel);
    if (!entry) return;
    for (const listener of [...entry.listeners]) listener(message);
  });

  const dataKey = (stream: string) => `${prefix}log:{${stream}}:data`;
  const metaKey = (stream: string) => `${prefix}log:{${stream}}:meta`;
  const notifyChannel = (stream: string) => `${prefix}log-notify:${stream}`;
  const busChannel = (topic: string) => `${prefix}bus:${topic}`;

  const assertOpen = () => {
    if (closed) throw new UnavailableError("events have been closed");
  };

  /** Adds a listener to a channel, subscribing on first use; resolves once Redis confirmed it. */
  async function listen(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
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
      if (closed) return;
      await call(`unsubscribing from ${channel}`, () => subscriber.unsubscribe(channel));
    };
  }

  const bus: Events["bus"] = {
    async publish(topic, payload) {
      assertOpen();
      assertName("topic", topic);
      const text = encodePayload(topic, payload);
      await call(`publishing to ${topic}`, () => commands.publish(busChannel(topic), text));
    },

    async subscribe(topic, handler) {
      assertOpen();
      assertName("topic", topic);
      const report = (err: unknown) => onError(err, { source: "subscriber", topic });
      return listen(busChannel(topic), (message) => {
        let payload: unknown;
        try {
          payload = JSON.parse(message);
        } catch (err) {
          report(new InternalError(`malformed message on topic ${topic}`, { cause: err }));
          return;
        }
        deliver(handler, payload, report);
      });
    },
  };

  const logs: Events["logs"] = {
    async append(stream, data) {
      assertOpen();
      assertName("stream", stream);
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const total = await call(`appending to ${stream}`, () =>
        commands.terrapodLogAppend(dataKey(stream), metaKey(stream), bytes, notifyChannel(stream)),
      );
      if (total < 0) throw new ConflictError(`log stream ${stream} is closed`, { stream });
      return total;
    },

    async read(stream, offset, limit) {
      assertOpen();
      assertName("stream", stream);
      assertNonNegativeInteger("offset", offset);
      assertNonNegativeInteger("limit", limit);
      if (limit === 0) return new Uint8Array(0);
      const bytes = await call(`reading ${stream}`, () =>
        commands.terrapodLogReadBuffer(dataKey(stream), String(offset), String(limit)),
      );
      // Copy: the reply buffer may be a view into a larger one owned by the client.
      return Uint8Array.prototype.slice.call(bytes);
    },

    async length(stream) {
      assertOpen();
      assertName("stream", stream);
      const raw = await call(`reading the length of ${stream}`, () => commands.hget(metaKey(stream), "len"));
      return raw === null ? 0 : Number(raw);
    },

    async close(stream) {
      assertOpen();
      assertName("stream", stream);
      await call(`closing ${stream}`, () =>
        commands.terrapodLogClose(metaKey(stream), notifyChannel(stream)),
      );
    },

    async isClosed(stream) {
      assertOpen();
      assertName("stream", stream);
      return (await call(`reading ${stream}`, () => commands.hget(metaKey(stream), "closed"))) === "1";
    },

    async waitFor(stream, offset, timeoutMs) {
      assertOpen();
      assertName("stream", stream);
      assertNonNegativeInteger("offset", offset);
      assertTimeout(timeoutMs);
      if (timeoutMs === 0) return;
      let wake: () => void = () => {};
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const stop = await listen(notifyChannel(stream), (message) => {
        // Lengths only grow: wake once past `offset`; "closed"/"deleted" always wake.
        const length = Number(message);
        if (!Number.isFinite(length) || length > offset) wake();
      });
      pendingWaits.add(wake);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const [len, isClosed] = await call(`reading ${stream}`, () =>
          commands.hmget(metaKey(stream), "len", "closed"),
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
        pendingWaits.delete(wake);
        await stop();
      }
    },

    async delete(stream) {
      assertOpen();
      assertName("stream", stream);
      await call(`deleting ${stream}`, () =>
        commands
          .multi()
          .del(dataKey(stream), metaKey(stream))
          .publish(notifyChannel(stream), "deleted")
          .exec(),
      );
    },

    async expire(stream, seconds) {
      assertOpen();
      assertName("stream", stream);
      assertExpiry(seconds);
      const ms = Math.max(1, Math.ceil(seconds * 1000));
      await call(`setting the expiry of ${stream}`, () =>
        commands.multi().pexpire(dataKey(stream), ms).pexpire(metaKey(stream), ms).exec(),
      );
    },
  };

  return {
    bus,
    logs,
    async ping() {
      assertOpen();
      await call("pinging Redis", () => commands.ping());
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const wake of [...pendingWaits]) wake();
      channels.clear();
      await Promise.all([quit(commands), quit(subscriber)]);
    },
  };
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
  return new UnavailableError(message, { cause: err });
}
