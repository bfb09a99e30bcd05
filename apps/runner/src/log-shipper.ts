import { type RetryPolicy, withRetry } from "./retry.ts";

export type LogShipperOptions = Readonly<{
  /** POSTs one chunk; `offset` is the byte offset of its first byte in the phase log. */
  send: (offset: number, chunk: Uint8Array) => Promise<void>;
  isRetryable: (err: unknown) => boolean;
  /** A chunk goes out at the latest this long after its first byte arrived. */
  flushIntervalMs?: number;
  /** A chunk goes out as soon as this much is waiting, and no chunk is larger. */
  maxChunkBytes?: number;
  /** Output arriving while this much is unsent is dropped (the server is unreachable for long). */
  maxBufferedBytes?: number;
  retry?: RetryPolicy;
  onError?: (err: unknown, what: string) => void;
}>;

export type LogShipper = {
  append(bytes: Uint8Array): void;
  /** Sends everything still waiting (retrying until `deadline`), then stops. */
  close(deadline: number): Promise<void>;
  /** Bytes accepted so far (the offset of the next byte). */
  readonly length: number;
};

/**
 * Streams the phase log to the server in order: one POST in flight at a time, each carrying its byte
 * offset so a retried POST is idempotent. Failed POSTs are retried with backoff; a refusal (4xx) stops
 * shipping for good rather than leaving a gap.
 */
export function createLogShipper(opts: LogShipperOptions): LogShipper {
  const flushIntervalMs = opts.flushIntervalMs ?? 300;
  const maxChunkBytes = opts.maxChunkBytes ?? 32 * 1024;
  const maxBufferedBytes = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
  const retry = opts.retry ?? { attempts: Number.POSITIVE_INFINITY, baseMs: 250, maxMs: 5000 };

  const queue: Uint8Array[] = [];
  let queued = 0;
  let accepted = 0;
  let sent = 0;
  let dropped = false;
  let stopped = false;
  let closing = false;
  /** Set by close(): retries stop then. */
  let deadline: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pumping: Promise<void> | undefined;

  const take = (): Uint8Array => {
    const parts: Uint8Array[] = [];
    let size = 0;
    while (queue.length > 0 && size < maxChunkBytes) {
      const head = queue[0];
      if (!head) break;
      const room = maxChunkBytes - size;
      if (head.byteLength <= room) {
        parts.push(head);
        size += head.byteLength;
        queue.shift();
      } else {
        parts.push(head.subarray(0, room));
        queue[0] = head.subarray(room);
        size += room;
      }
    }
    queued -= size;
    return parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
  };

  const pump = async () => {
    while (queued > 0 && !stopped) {
      const chunk = take();
      const offset = sent;
      try {
        await withRetry(() => opts.send(offset, chunk), {
          policy: retry,
          isRetryable: opts.isRetryable,
          deadline: () => deadline,
        });
        sent += chunk.byteLength;
      } catch (err) {
        stopped = true;
        queue.length = 0;
        queued = 0;
        opts.onError?.(err, `log shipping stopped at byte ${offset}`);
      }
    }
  };

  const kick = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pumping) return;
    pumping = pump().finally(() => {
      pumping = undefined;
      if (queued > 0 && !stopped) schedule();
    });
  };

  const schedule = () => {
    if (queued >= maxChunkBytes) kick();
    else if (!timer && !pumping) timer = setTimeout(kick, flushIntervalMs);
  };

  return {
    append(bytes) {
      if (bytes.byteLength === 0 || stopped || closing) return;
      if (queued + bytes.byteLength > maxBufferedBytes) {
        if (!dropped) opts.onError?.(new Error("log buffer full"), "dropping log output");
        dropped = true;
        return;
      }
      queue.push(bytes);
      queued += bytes.byteLength;
      accepted += bytes.byteLength;
      schedule();
    },
    async close(until) {
      closing = true;
      deadline = until;
      while (pumping || (queued > 0 && !stopped)) {
        if (!pumping) kick();
        await pumping;
      }
    },
    get length() {
      return accepted;
    },
  };
}
