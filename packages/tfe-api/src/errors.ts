/**
 * The JSON:API error mapper: the only place in the TFE API that picks a status code. Core throws typed
 * errors (`@terrapod/kernel` errors.ts) and every route lets them reach `toErrorResponse`.
 *
 * The rule (docs/errors.md), as HCP Terraform applies it:
 * - 401 UNAUTHENTICATED: only a missing or invalid credential. A valid token never gets a 401.
 * - 404 NOT_FOUND: the resource does not exist, or the caller cannot read it; the two look the same, so
 *   a 404 never tells a stranger that something exists. An id that cannot be of its kind (`ws-…` with
 *   bad characters) is simply not found (`jsonapi/ids.ts`).
 * - 403 FORBIDDEN: the caller can read the resource but may not do this action; the detail names the
 *   missing permission (`permission "workspace:lock" is required on workspace ws-…`).
 * - 409 CONFLICT / LOCKED: the request is valid but clashes with the current state: a lock, a state
 *   serial or lineage mismatch, a run or version that cannot take this action now, a duplicate
 *   organization name.
 * - 422 INVALID: the input is invalid; `source.pointer` names the attribute when known. A duplicate
 *   workspace, project, variable or variable-set name is a 422, as TFE answers it.
 * - 400 BAD_REQUEST: the body is not JSON at all; 413 TOO_LARGE, 412, 429, 503 as named.
 * - 500 INTERNAL and anything untyped: a generic message; the cause goes to the log, never the client.
 *
 * Checked by `packages/core/src/access/policy.test.ts` (404 vs 403) and the integration tests.
 */
import { type ErrorCode, InvalidError, isTerrapodError, type TerrapodError } from "@terrapod/kernel";
import { jsonApiResponse } from "./jsonapi/document.ts";

/** TerrapodError code → HTTP status; see the rule above. */
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
  opts: {
    classify?: (err: unknown) => TerrapodError | undefined;
    onInternal?: (err: unknown) => void;
    /** Receives an UNAVAILABLE error, whose text never reaches the client (it names hosts, paths). */
    onUnavailable?: (err: TerrapodError) => void;
  } = {},
): Response {
  const e: TerrapodError | undefined = isTerrapodError(err) ? err : opts.classify?.(err);
  if (!e || e.code === "INTERNAL") {
    opts.onInternal?.(e?.cause ?? err);
    return errorDocument(500, "internal server error", "The server could not complete the request.");
  }
  if (e.code === "UNAVAILABLE") {
    opts.onUnavailable?.(e);
    const dependency = typeof e.details.dependency === "string" ? e.details.dependency : "a dependency";
    return errorDocument(503, "service unavailable", `${dependency} is unavailable; retry later`);
  }
  const status = statusByCode[e.code];
  const pointer = e instanceof InvalidError ? e.pointer : undefined;
  return errorDocument(status, e.title ?? e.code.toLowerCase(), e.message, pointer);
}
