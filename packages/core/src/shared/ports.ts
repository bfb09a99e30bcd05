/** Ports core declares and adapters satisfy structurally (packages/storage, packages/events). */

/** A streaming blob store. */
export type BlobPort = {
  put(
    key: string,
    body: ReadableStream<Uint8Array> | Uint8Array,
    opts?: { contentType?: string; maxBytes?: number },
  ): Promise<{ size: number }>;
  get(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  head(key: string): Promise<{ size: number } | undefined>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<string>;
};

export type { SecretSealer } from "./secrets.ts";

/** Append-only byte logs addressed by offset (run logs). */
export type LogPort = {
  append(stream: string, data: Uint8Array): Promise<number>;
  read(stream: string, offset: number, limit: number): Promise<Uint8Array>;
  length(stream: string): Promise<number>;
  close(stream: string): Promise<void>;
  isClosed(stream: string): Promise<boolean>;
  delete(stream: string): Promise<void>;
  expire(stream: string, seconds: number): Promise<void>;
};
