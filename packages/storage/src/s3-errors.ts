import { InternalError, TerrapodError, UnavailableError } from "@terrapod/kernel";

function metadataOf(err: unknown): { httpStatusCode?: number } | undefined {
  if (typeof err !== "object" || err === null || !("$metadata" in err)) return undefined;
  const meta = err.$metadata;
  return typeof meta === "object" && meta !== null ? meta : undefined;
}

export function statusOf(err: unknown): number | undefined {
  const status = metadataOf(err)?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

export function nameOf(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** NoSuchKey (GET) or a bare 404 (HEAD has no body to name the error). NoSuchBucket is not "missing". */
export function isMissingKey(err: unknown): boolean {
  const name = nameOf(err);
  if (name === "NoSuchKey" || name === "NotFound") return true;
  return statusOf(err) === 404 && name !== "NoSuchBucket";
}

const unavailableNames = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ThrottlingException",
  "SlowDown",
  "ServiceUnavailable",
  "InternalError",
  "NoSuchBucket",
  "AbortError",
]);

/**
 * Transport failures (no HTTP reply: refused, reset, DNS, TLS, timeouts), throttling and 5xx replies
 * mean "S3 is not usable right now"; everything else is unexpected.
 */
export function mapS3Error(err: unknown, what: string): TerrapodError {
  if (err instanceof TerrapodError) return err;
  const status = statusOf(err);
  const message = `S3 ${what} failed: ${messageOf(err)}`;
  const transportFailure =
    status === undefined && (metadataOf(err) !== undefined || /^E[A-Z_]+$/.test(codeOf(err)));
  if (
    transportFailure ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    unavailableNames.has(nameOf(err) ?? "")
  ) {
    return new UnavailableError(message, { cause: err, dependency: "storage" });
  }
  return new InternalError(message, { cause: err });
}

function codeOf(err: unknown): string {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string")
    return err.code;
  return "";
}
