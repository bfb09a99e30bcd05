/** What a store knows about an object. `contentType` is only reported by stores that persist it. */
export type BlobMeta = { size: number; contentType?: string | undefined };

/** Anything `put` accepts: a byte stream (never buffered whole), bytes, or a UTF-8 string. */
export type BlobBody = ReadableStream<Uint8Array> | Uint8Array | string;

export type PutOptions = {
  contentType?: string;
  /** Upper bound on the bytes written; exceeding it throws TooLargeError and stores nothing. */
  maxBytes?: number;
};

/**
 * A flat namespace of immutable-once-written objects addressed by relative, slash-separated keys
 * (`state/ws-abc/sv-xyz.tfstate`). Every method validates its key and throws InvalidError for empty,
 * absolute or `..`-containing keys, backslashes and NUL bytes.
 */
export interface BlobStore {
  /** Streams `body` into `key`. Atomic: readers never see a partial object. Returns the bytes written. Throws TooLargeError (and stores nothing) when maxBytes is exceeded. */
  put(key: string, body: BlobBody, opts?: PutOptions): Promise<BlobMeta>;
  /** undefined when missing. */
  get(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Byte range read: returns bytes [offset, offset+length) or fewer at the end (empty past the end). */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  head(key: string): Promise<BlobMeta | undefined>;
  /** A missing key is fine. */
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix` (a plain string prefix, "" for all), sorted by their UTF-8 bytes. */
  list(prefix: string): AsyncIterable<string>;
  /** Throws UnavailableError if the backend is unreachable (used by /readyz). */
  ping(): Promise<void>;
  /**
   * Removes what writes that never finished left behind (a process killed mid-`put`): S3 multipart
   * uploads started before `olderThan` are aborted, the filesystem store's temp files older than it are
   * deleted. Returns how many it removed. Must not touch writes that may still be running.
   */
  sweepIncompleteUploads(olderThan: Date): Promise<number>;
}
