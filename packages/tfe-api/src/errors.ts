import { type ErrorCode, InvalidError, isTerrapodError, type TerrapodError } from "@terrapod/kernel";
import { jsonApiResponse } from "./jsonapi/document.ts";

/** The only place that picks TFE status codes. */
export const statusByCode: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  CONFLICT: 409,
  LOCKED: 409,
  INVALID: 422,
  PRECONDITION_FAILED: 412,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export type ErrorEntry = { status: string; title: string; detail?: string; source?: { pointer: string } };

export function errorDocument(status: number, title: string, detail?: string, pointer?: string): Response {
  const entry: ErrorEntry = { status: String(status), title };
  if (detail !== undefined) entry.detail = detail;
  if (pointer !== undefined) entry.source = { pointer };
  return jsonApiResponse({ errors: [entry] }, status);
}

/**
 * Maps any thrown value to a JSON:API error response. Unknown errors become a generic 500 whose details
 * never reach the client; `onInternal` receives them for logging. `classify` lets the server turn
 * infrastructure errors (e.g. a lost database connection) into typed errors first.
 */
export function toErrorResponse(
  err: unknown,
  opts: { classify?: (err: unknown) => TerrapodError | undefined; onInternal?: (err: unknown) => void } = {},
): Response {
  const e: TerrapodError | undefined = isTerrapodError(err) ? err : opts.classify?.(err);
  if (!e || e.code === "INTERNAL") {
    opts.onInternal?.(e?.cause ?? err);
    return errorDocument(500, "internal server error", "The server could not complete the request.");
  }
  const status = statusByCode[e.code];
  const pointer = e instanceof InvalidError ? e.pointer : undefined;
  return errorDocument(status, e.title ?? e.code.toLowerCase(), e.message, pointer);
}
