/**
 * The scanner: compressed bytes in (push), validated entries out (to an optional visitor). Both the
 * server's inspector and the runner's extractor read archives through it.
 */
import { createGunzip, type Gunzip } from "node:zlib";
import { type Header, extract as tarExtract } from "tar-stream";
import { checkHeader, TreeIndex } from "./archive-headers.ts";
import {
  type ArchiveEntry,
  type ArchiveLimits,
  type ArchiveSummary,
  InvalidArchiveError,
} from "./archive-model.ts";

export type Visitor = (entry: ArchiveEntry, body: AsyncIterable<Uint8Array>) => Promise<void>;

/** Compressed bytes are fed to zlib in slices of at most this size, bounding what one write inflates. */
const sliceBytes = 64 * 1024;

type Scan = {
  /** Feeds compressed bytes; resolves once zlib accepted them (backpressure), rejects once refused. */
  write(chunk: Uint8Array): Promise<void>;
  /** No more input: resolves with the summary once every entry was checked. */
  end(): Promise<ArchiveSummary>;
  /** Stops everything (the source failed or went away). */
  abort(reason: Error): void;
  /** Settles like `end()`; already observed, so an unawaited failure is never unhandled. */
  readonly done: Promise<ArchiveSummary>;
};

type TarExtract = ReturnType<typeof tarExtract>;

function mapTarError(err: unknown): Error {
  if (err instanceof InvalidArchiveError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes("Unexpected end of data")) {
    return new InvalidArchiveError("truncated", "the tar stream ends in the middle of an entry");
  }
  if (message.includes("Invalid tar header") || message.includes("Invalid header")) {
    return new InvalidArchiveError("corrupt", "not a tar archive, or a corrupt tar header");
  }
  if (message.includes("Header exceeds max size")) {
    return new InvalidArchiveError("corrupt", "an extended (PAX/GNU) header is too large");
  }
  return err instanceof Error ? err : new Error(message);
}

function mapZlibError(err: Error & { code?: string }): InvalidArchiveError {
  if (err.code === "Z_BUF_ERROR" || err.message.includes("unexpected end of file")) {
    return new InvalidArchiveError("truncated", "the gzip stream is truncated");
  }
  return new InvalidArchiveError("corrupt", `corrupt gzip data (${err.message})`);
}

/** Resolves once zlib can take more input (or will never take any: closed, failed). */
function waitForDrain(gunzip: Gunzip): Promise<void> {
  return new Promise<void>((resolve) => {
    const settle = () => {
      gunzip.off("drain", settle);
      gunzip.off("close", settle);
      gunzip.off("error", settle);
      resolve();
    };
    gunzip.on("drain", settle);
    gunzip.on("close", settle);
    gunzip.on("error", settle);
  });
}

/** One archive being scanned: gunzip feeds the tar parser, whose entries are checked as they come. */
class ArchiveScan implements Scan {
  readonly done: Promise<ArchiveSummary>;
  readonly #limits: ArchiveLimits;
  readonly #gunzip = createGunzip();
  readonly #tar: TarExtract = tarExtract();
  #failure: Error | undefined;
  #compressedBytes = 0;
  #uncompressedBytes = 0;
  #declaredBytes = 0;
  #entries = 0;
  #magic = new Uint8Array(0);
  /** The tar parser's own error: an entry body being read when it fails only says "destroyed". */
  #tarError: unknown;
  readonly #tarClosed: Promise<void>;

  constructor(limits: ArchiveLimits, visit?: Visitor) {
    this.#limits = limits;
    const gunzip = this.#gunzip;
    const tar = this.#tar;
    gunzip.on("data", (chunk: Uint8Array) => this.#inflated(chunk));
    tar.on("drain", () => gunzip.resume());
    gunzip.on("end", () => {
      if (!this.#failure) tar.end(undefined);
    });
    gunzip.on("error", (err: Error) => this.#fail(mapZlibError(err)));
    tar.on("error", (err: unknown) => {
      this.#tarError ??= err;
    });
    this.#tarClosed = new Promise<void>((resolve) => tar.once("close", () => resolve()));
    this.done = this.#consume(visit);
    this.done.catch(() => undefined);
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#gunzip.destroy();
    this.#tar.destroy(err);
  }

  /** Inflated bytes, on their way to the tar parser. */
  #inflated(chunk: Uint8Array): void {
    if (this.#failure) return;
    this.#uncompressedBytes += chunk.byteLength;
    const max = this.#limits.maxUncompressedBytes;
    if (this.#uncompressedBytes > max) {
      this.#fail(
        new InvalidArchiveError("uncompressed-too-large", `the archive inflates to more than ${max} bytes`),
      );
      return;
    }
    if (!this.#tar.write(chunk)) this.#gunzip.pause();
  }

  async #consume(visit: Visitor | undefined): Promise<ArchiveSummary> {
    const tar = this.#tar;
    const tree = new TreeIndex();
    try {
      for await (const source of tar) {
        if (this.#failure) throw this.#failure;
        const entry = this.#check(source.header, tree);
        if (entry && visit) await visit(entry, bytesOf(source));
        await drain(source);
      }
      if (this.#failure) throw this.#failure;
      tree.checkSymlinks();
    } catch (err) {
      if (!this.#failure && this.#tarError === undefined && tar.destroying) await this.#tarClosed;
      this.#fail(this.#failure ?? mapTarError(this.#tarError ?? err));
    }
    if (this.#failure) throw this.#failure;
    return {
      entries: this.#entries,
      uncompressedBytes: this.#uncompressedBytes,
      compressedBytes: this.#compressedBytes,
    };
  }

  /** Counts one more entry and checks its header; `undefined` means "skip this entry". */
  #check(header: Header, tree: TreeIndex): ArchiveEntry | undefined {
    const limits = this.#limits;
    this.#entries += 1;
    if (this.#entries > limits.maxEntries) {
      throw new InvalidArchiveError("too-many-entries", `more than ${limits.maxEntries} entries`);
    }
    const entry = checkHeader(header, tree, limits);
    if (entry?.kind === "file") {
      this.#declaredBytes += entry.size;
      if (this.#declaredBytes > limits.maxUncompressedBytes) {
        throw new InvalidArchiveError(
          "uncompressed-too-large",
          `the files add up to more than ${limits.maxUncompressedBytes} bytes`,
          header.name,
        );
      }
    }
    return entry;
  }

  #checkMagic(chunk: Uint8Array): void {
    const magic = this.#magic;
    if (magic.byteLength >= 2) return;
    const joined = new Uint8Array(magic.byteLength + Math.min(chunk.byteLength, 2));
    joined.set(magic);
    joined.set(chunk.subarray(0, 2 - magic.byteLength), magic.byteLength);
    this.#magic = joined.subarray(0, 2);
    if (this.#magic[0] !== 0x1f || (this.#magic.byteLength === 2 && this.#magic[1] !== 0x8b)) {
      throw new InvalidArchiveError("not-gzip", "not a gzip stream");
    }
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (chunk.byteLength === 0) return;
    this.#compressedBytes += chunk.byteLength;
    try {
      if (this.#compressedBytes > this.#limits.maxCompressedBytes) {
        throw new InvalidArchiveError(
          "compressed-too-large",
          `the archive is larger than ${this.#limits.maxCompressedBytes} bytes`,
        );
      }
      this.#checkMagic(chunk);
    } catch (err) {
      this.#fail(err as Error);
      throw err;
    }
    for (let offset = 0; offset < chunk.byteLength && !this.#failure; offset += sliceBytes) {
      if (!this.#gunzip.write(chunk.subarray(offset, offset + sliceBytes))) await waitForDrain(this.#gunzip);
    }
    if (this.#failure) throw this.#failure;
  }

  async end(): Promise<ArchiveSummary> {
    if (!this.#failure && this.#magic.byteLength < 2) {
      this.#fail(new InvalidArchiveError("not-gzip", "not a gzip stream"));
    }
    if (!this.#failure) this.#gunzip.end();
    return this.done;
  }

  abort(reason: Error): void {
    this.#fail(reason);
  }
}

export function startScan(limits: ArchiveLimits, visit?: Visitor): Scan {
  return new ArchiveScan(limits, visit);
}

async function* bytesOf(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array)) throw new Error("tar entry yielded a non-byte chunk");
    yield chunk;
  }
}

async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of source) {
    // discard what the visitor did not read
  }
}

export async function scanStream(
  stream: AsyncIterable<Uint8Array>,
  limits: ArchiveLimits,
  visit?: Visitor,
): Promise<ArchiveSummary> {
  const scan = startScan(limits, visit);
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      await scan.write(next.value);
    }
  } catch (err) {
    scan.abort(err instanceof Error ? err : new Error(String(err)));
    // Stop reading the source (an HTTP body, a file): a refused archive is not read to its end.
    await iterator.return?.().catch(() => undefined);
    return scan.done;
  }
  return scan.end();
}
