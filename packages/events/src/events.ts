/** Fan-out notifications between the parts of Terrapod (run status changes, workspace locks…). */
export interface EventBus {
  /** Fire-and-forget fan-out to current subscribers of a topic (JSON-serializable payloads). */
  publish(topic: string, payload: unknown): Promise<void>;
  /**
   * Returns an unsubscribe function. Handlers must not throw into the bus: a throw (or a rejected
   * promise) is caught and reported through the factory's `onError`.
   */
  subscribe(topic: string, handler: (payload: unknown) => void): Promise<() => Promise<void>>;
}

/** Append-only byte logs addressed by byte offset (used for run logs: the TFE CLI reads `offset`/`limit` and expects stable offsets). */
export interface LogStreams {
  /** Appends bytes; returns the new total length. Empty appends are no-ops. Throws ConflictError once closed. */
  append(stream: string, data: Uint8Array): Promise<number>;
  /** Bytes [offset, offset+limit) that exist now (may be fewer, possibly empty). */
  read(stream: string, offset: number, limit: number): Promise<Uint8Array>;
  /** Total length now (0 for a stream that does not exist). */
  length(stream: string): Promise<number>;
  /** Marks the stream complete (no more appends; append afterwards throws ConflictError). */
  close(stream: string): Promise<void>;
  isClosed(stream: string): Promise<boolean>;
  /**
   * Resolves when the stream grows beyond `offset` or is closed (or deleted), or after `timeoutMs`
   * (long-poll for live UIs). Never rejects on timeout; callers re-read to see what happened.
   */
  waitFor(stream: string, offset: number, timeoutMs: number): Promise<void>;
  delete(stream: string): Promise<void>;
  /** Optional expiry so finished logs don't live forever in Redis once persisted elsewhere. */
  expire(stream: string, seconds: number): Promise<void>;
}

export interface Events {
  bus: EventBus;
  logs: LogStreams;
  /** Throws UnavailableError when the backend does not answer (used by /readyz). */
  ping(): Promise<void>;
  /** Releases connections and timers; pending `waitFor` calls resolve. */
  close(): Promise<void>;
}

/** Where failures that have no caller to throw to (subscriber handlers, connection drops) go. */
export type EventsErrorHandler = (err: unknown, context: EventsErrorContext) => void;
export type EventsErrorContext =
  | { readonly source: "subscriber"; readonly topic: string }
  | { readonly source: "connection"; readonly connection: "command" | "subscriber" };

/** Used when the factory gets no `onError`; apps should pass one that writes to their logger. */
export const reportToConsole: EventsErrorHandler = (err, context) => {
  console.error("[terrapod/events]", context, err);
};
