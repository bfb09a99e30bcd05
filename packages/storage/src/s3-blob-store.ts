import {
  AbortMultipartUploadCommand,
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { InternalError, UnavailableError } from "@terrapod/kernel";
import type { BlobBody, BlobMeta, BlobStore, PutOptions } from "./blob-store.ts";
import { bodyToStream, checkMaxBytes, checkRange, precheckSize } from "./body.ts";
import { assertValidKey, assertValidPrefix } from "./keys.ts";
import { isMissingKey, mapS3Error, messageOf, nameOf, statusOf } from "./s3-errors.ts";
import { streamingUpload } from "./s3-multipart-upload.ts";

export type S3BlobStoreConfig = {
  readonly bucket: string;
  /** Custom endpoint for S3-compatible servers (MinIO, Ceph, moto…); AWS when omitted. */
  readonly endpoint?: string | undefined;
  readonly region: string;
  /** Address buckets by path (`endpoint/bucket/key`), as most S3-compatible servers need. Default true. */
  readonly forcePathStyle?: boolean | undefined;
  /** Static credentials; the SDK's default provider chain (env, IRSA, instance profile) when omitted. */
  readonly credentials?:
    | {
        readonly accessKeyId: string;
        readonly secretAccessKey: string;
        readonly sessionToken?: string | undefined;
      }
    | undefined;
  /** Prepended to every key (e.g. `terrapod/`), so one bucket can be shared. */
  readonly prefix?: string | undefined;
  /** Multipart part size in bytes (minimum and default 5 MiB). Memory per put ≈ partSize × (queueSize + 1). */
  readonly partSize?: number | undefined;
  /**
   * Parts uploaded concurrently per put while the next one fills. Default 1, which keeps a put at
   * ≈ 2 × partSize plus the HTTP client's copy of the part in flight; raise it on high-latency links.
   */
  readonly queueSize?: number | undefined;
  /** SDK attempts per request (default 3). */
  readonly maxAttempts?: number | undefined;
  /**
   * "when-required" (default) sends and checks the newer flexible checksums only where S3 demands them,
   * which many S3-compatible servers need; "when-supported" always uses them (AWS S3).
   */
  readonly checksums?: "when-required" | "when-supported" | undefined;
};

export type S3BlobStore = BlobStore & {
  /** Creates the bucket when it does not exist (embedded setups and tests). */
  ensureBucket(): Promise<void>;
  /** Closes the client's sockets. */
  destroy(): void;
};

const minPartSize = 5 * 1024 * 1024;

/**
 * A BlobStore on S3 or an S3-compatible server.
 *
 * - `put` streams through `streamingUpload` (a single PutObject for small bodies, multipart otherwise);
 *   S3 makes an object visible only when the PutObject/CompleteMultipartUpload succeeds, so a failed
 *   or oversized write leaves the previous object untouched and the multipart upload is aborted.
 * - `get` streams the response body; `getRange` is a ranged GET.
 * - Missing keys (NoSuchKey / 404) are `undefined`; transport failures, throttling and 5xx replies are
 *   UnavailableError; anything else is InternalError. The SDK error is always the `cause`.
 * - `head` reports the stored Content-Type when the object was written with one.
 * - A process killed mid-put leaves its multipart upload (and the parts' storage) behind;
 *   `sweepIncompleteUploads` aborts those started before a cut-off, under this store's prefix only.
 */
export function createS3BlobStore(config: S3BlobStoreConfig): S3BlobStore {
  const state: S3State = {
    client: new S3Client(clientConfigOf(config)),
    bucket: config.bucket,
    region: config.region,
    keyPrefix: normalizePrefix(config.prefix),
    partSize: Math.max(minPartSize, config.partSize ?? minPartSize),
    queueSize: Math.max(1, Math.floor(config.queueSize ?? 1)),
  };
  return {
    put: (key, body, opts) => putBlob(state, key, body, opts),
    get: (key) => getBlob(state, key),
    getRange: (key, offset, length) => getBlobRange(state, key, offset, length),
    head: (key) => headBlob(state, key),
    delete: (key) => deleteBlob(state, key),
    list: (prefix) => listBlobs(state, prefix),
    ping: () => pingBucket(state),
    sweepIncompleteUploads: (olderThan) => abortIncompleteUploads(state, olderThan),
    ensureBucket: () => ensureBucket(state),
    destroy: () => state.client.destroy(),
  };
}

/** What the operations of one S3 store share. */
type S3State = {
  readonly client: S3Client;
  readonly bucket: string;
  readonly region: string;
  /** Normalized: "" or ending in `/`. */
  readonly keyPrefix: string;
  readonly partSize: number;
  readonly queueSize: number;
};

function clientConfigOf(config: S3BlobStoreConfig): S3ClientConfig {
  const checksumMode = config.checksums === "when-supported" ? "WHEN_SUPPORTED" : "WHEN_REQUIRED";
  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle ?? true,
    requestChecksumCalculation: checksumMode,
    responseChecksumValidation: checksumMode,
    maxAttempts: config.maxAttempts ?? 3,
  };
  if (config.endpoint !== undefined) clientConfig.endpoint = config.endpoint;
  if (config.credentials !== undefined) {
    const { accessKeyId, secretAccessKey, sessionToken } = config.credentials;
    clientConfig.credentials =
      sessionToken === undefined
        ? { accessKeyId, secretAccessKey }
        : { accessKeyId, secretAccessKey, sessionToken };
  }
  return clientConfig;
}

function objectKey(state: S3State, key: string): string {
  return `${state.keyPrefix}${key}`;
}

async function putBlob(
  state: S3State,
  key: string,
  body: BlobBody,
  opts: PutOptions | undefined,
): Promise<BlobMeta> {
  assertValidKey(key);
  const maxBytes = checkMaxBytes(opts?.maxBytes);
  precheckSize(`blob ${key}`, body, maxBytes);
  const contentType = opts?.contentType;
  try {
    const size = await streamingUpload({
      client: state.client,
      bucket: state.bucket,
      key: objectKey(state, key),
      body: bodyToStream(body),
      contentType,
      maxBytes,
      what: `blob ${key}`,
      partSize: state.partSize,
      queueSize: state.queueSize,
    });
    return contentType === undefined ? { size } : { size, contentType };
  } catch (err) {
    throw mapS3Error(err, `putting ${key}`);
  }
}

async function getBlob(state: S3State, key: string): Promise<ReadableStream<Uint8Array> | undefined> {
  assertValidKey(key);
  try {
    const out = await state.client.send(
      new GetObjectCommand({ Bucket: state.bucket, Key: objectKey(state, key) }),
    );
    if (!out.Body) throw new InternalError(`S3 returned no body for ${key}`);
    return toWebStream(out.Body.transformToWebStream(), key);
  } catch (err) {
    if (isMissingKey(err)) return undefined;
    throw mapS3Error(err, `getting ${key}`);
  }
}

async function getBlobRange(
  state: S3State,
  key: string,
  offset: number,
  length: number,
): Promise<Uint8Array | undefined> {
  assertValidKey(key);
  checkRange(offset, length);
  if (length === 0) return (await headBlob(state, key)) === undefined ? undefined : new Uint8Array(0);
  try {
    const out = await state.client.send(
      new GetObjectCommand({
        Bucket: state.bucket,
        Key: objectKey(state, key),
        Range: `bytes=${offset}-${offset + length - 1}`,
      }),
    );
    if (!out.Body) return new Uint8Array(0);
    const bytes = await out.Body.transformToByteArray();
    // A server that ignores Range answers 200 with the whole object.
    if (out.ContentRange === undefined && bytes.byteLength > length) {
      return bytes.slice(offset, offset + length);
    }
    return bytes;
  } catch (err) {
    if (isMissingKey(err)) return undefined;
    // 416: the object exists but the range starts at or past its end.
    if (statusOf(err) === 416 || nameOf(err) === "InvalidRange") return new Uint8Array(0);
    throw mapS3Error(err, `getting a range of ${key}`);
  }
}

async function headBlob(state: S3State, key: string): Promise<BlobMeta | undefined> {
  assertValidKey(key);
  try {
    const out = await state.client.send(
      new HeadObjectCommand({ Bucket: state.bucket, Key: objectKey(state, key) }),
    );
    const size = out.ContentLength ?? 0;
    return out.ContentType === undefined ? { size } : { size, contentType: out.ContentType };
  } catch (err) {
    if (isMissingKey(err)) return undefined;
    throw mapS3Error(err, `reading metadata of ${key}`);
  }
}

async function deleteBlob(state: S3State, key: string): Promise<void> {
  assertValidKey(key);
  try {
    await state.client.send(new DeleteObjectCommand({ Bucket: state.bucket, Key: objectKey(state, key) }));
  } catch (err) {
    if (isMissingKey(err)) return;
    throw mapS3Error(err, `deleting ${key}`);
  }
}

async function* listBlobs(state: S3State, prefix: string): AsyncGenerator<string> {
  assertValidPrefix(prefix);
  const { keyPrefix } = state;
  let continuationToken: string | undefined;
  do {
    let page: Awaited<ReturnType<typeof listPage>>;
    try {
      page = await listPage(state, prefix, continuationToken);
    } catch (err) {
      throw mapS3Error(err, `listing ${prefix}`);
    }
    for (const object of page.Contents ?? []) {
      if (object.Key?.startsWith(keyPrefix)) yield object.Key.slice(keyPrefix.length);
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);
}

function listPage(state: S3State, prefix: string, continuationToken: string | undefined) {
  return state.client.send(
    new ListObjectsV2Command({
      Bucket: state.bucket,
      Prefix: objectKey(state, prefix),
      ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
    }),
  );
}

async function pingBucket(state: S3State): Promise<void> {
  try {
    await state.client.send(new HeadBucketCommand({ Bucket: state.bucket }));
  } catch (err) {
    throw new UnavailableError(`S3 bucket ${state.bucket} is not reachable: ${messageOf(err)}`, {
      cause: err,
      dependency: "storage",
    });
  }
}

/** Aborts the multipart uploads under this store's prefix initiated before `olderThan`. */
async function abortIncompleteUploads(state: S3State, olderThan: Date): Promise<number> {
  const stale: { key: string; uploadId: string }[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  try {
    do {
      const page = await state.client.send(
        new ListMultipartUploadsCommand({
          Bucket: state.bucket,
          ...(state.keyPrefix ? { Prefix: state.keyPrefix } : {}),
          ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
          ...(uploadIdMarker === undefined ? {} : { UploadIdMarker: uploadIdMarker }),
        }),
      );
      for (const u of page.Uploads ?? []) {
        if (u.Key && u.UploadId && u.Initiated && u.Initiated.getTime() < olderThan.getTime()) {
          stale.push({ key: u.Key, uploadId: u.UploadId });
        }
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker !== undefined);
  } catch (err) {
    throw mapS3Error(err, "listing incomplete multipart uploads");
  }
  let aborted = 0;
  for (const upload of stale) {
    try {
      await state.client.send(
        new AbortMultipartUploadCommand({ Bucket: state.bucket, Key: upload.key, UploadId: upload.uploadId }),
      );
      aborted += 1;
    } catch (err) {
      // Completed or aborted meanwhile: nothing left to remove.
      if (nameOf(err) !== "NoSuchUpload" && statusOf(err) !== 404) {
        throw mapS3Error(err, `aborting the multipart upload of ${upload.key}`);
      }
    }
  }
  return aborted;
}

async function ensureBucket(state: S3State): Promise<void> {
  const { client, bucket, region } = state;
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (err) {
    if (statusOf(err) !== 404 && nameOf(err) !== "NotFound" && nameOf(err) !== "NoSuchBucket") {
      throw mapS3Error(err, `checking bucket ${bucket}`);
    }
  }
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === "us-east-1"
          ? {}
          : {
              CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
            }),
      }),
    );
  } catch (err) {
    // Created concurrently by another replica or test: that is the outcome we wanted.
    if (nameOf(err) === "BucketAlreadyOwnedByYou") return;
    throw mapS3Error(err, `creating bucket ${bucket}`);
  }
}

function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === "") return "";
  const trimmed = prefix.replace(/^\/+/, "");
  return trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}

/**
 * Re-wraps the SDK's body as a pull-based stream of Uint8Array that maps mid-stream failures (a reset
 * connection) to UnavailableError; backpressure flows through because we read only on pull.
 */
function toWebStream(source: ReadableStream, key: string): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          return;
        }
        const value: unknown = next.value;
        if (value instanceof Uint8Array) controller.enqueue(value);
        else throw new InternalError(`S3 body for ${key} yielded a non-byte chunk`);
      } catch (err) {
        controller.error(mapS3Error(err, `reading ${key}`));
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
}
