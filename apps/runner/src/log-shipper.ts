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

/** Bytes waiting to be sent, in order, taken in chunks. */
class ByteQueue {
  private readonly parts: Uint8Array[] = [];
  /** Bytes waiting. */
  size = 0;

  push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.byteLength;
  }

  clear(): void {
    this.parts.length = 0;
    this.size = 0;
  }

  /** Up to `maxBytes` from the front (splitting a part if needed). */
  take(maxBytes: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let size = 0;
    while (this.parts.length > 0 && size < maxBytes) {
      const head = this.parts[0];
      if (!head) break;
      const room = maxBytes - size;
      if (head.byteLength <= room) {
        parts.push(head);
        size += head.byteLength;
        this.parts.shift();
      } else {
        parts.push(head.subarray(0, room));
        this.parts[0] = head.subarray(room);
        size += room;
      }
    }
    this.size -= size;
    return parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
  }
}

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

  const queue = new ByteQueue();
  let accepted = 0;
  let sent = 0;
  let dropped = false;
  let stopped = false;
  let closing = false;
  /** Set by close(): retries stop then. */
  let deadline: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pumping: Promise<void> | undefined;

  const pump = async () => {
    while (queue.size > 0 && !stopped) {
      const chunk = queue.take(maxChunkBytes);
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
        queue.clear();
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
      if (queue.size > 0 && !stopped) schedule();
    });
  };

  const schedule = () => {
    if (queue.size >= maxChunkBytes) kick();
    else if (!timer && !pumping) timer = setTimeout(kick, flushIntervalMs);
  };

  return {
    append(bytes) {
      if (bytes.byteLength === 0 || stopped || closing) return;
      if (queue.size + bytes.byteLength > maxBufferedBytes) {
        if (!dropped) opts.onError?.(new Error("log buffer full"), "dropping log output");
        dropped = true;
        return;
      }
      queue.push(bytes);
      accepted += bytes.byteLength;
      schedule();
    },
    async close(until) {
      closing = true;
      deadline = until;
      while (pumping || (queue.size > 0 && !stopped)) {
        if (!pumping) kick();
        await pumping;
      }
    },
    get length() {
      return accepted;
    },
  };
}
