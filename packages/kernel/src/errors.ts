export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_REQUEST"
  | "CONFLICT"
  | "LOCKED"
  | "INVALID"
  | "PRECONDITION_FAILED"
  | "TOO_LARGE"
  | "RATE_LIMITED"
  | "UNAVAILABLE"
  | "INTERNAL";

export type ErrorDetails = Readonly<Record<string, unknown>>;

/** Every error core throws. Transports map `code` to a status exactly once. */
export abstract class TerrapodError extends Error {
  abstract readonly code: ErrorCode;
  readonly details: ErrorDetails;
  /** A short human title (JSON:API `title`); the message becomes `detail`. */
  readonly title: string | undefined;

  constructor(message: string, details: ErrorDetails = {}, opts?: { cause?: unknown; title?: string }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.details = details;
    this.title = opts?.title;
  }
}

export class UnauthenticatedError extends TerrapodError {
  readonly code = "UNAUTHENTICATED";
  constructor(message = "unauthorized") {
    super(message, {}, { title: "unauthorized" });
  }
}

/**
 * "You may not" for a resource the caller can see (e.g. a read-only user trying to lock). An access check
 * names the missing permission in the message and in `details.permission` (`workspace:lock`). A caller
 * who cannot see the resource gets NotFoundError instead, never this (docs/errors.md).
 */
export class ForbiddenError extends TerrapodError {
  readonly code = "FORBIDDEN";
  constructor(message = "forbidden", details: ErrorDetails = {}) {
    super(message, details, { title: "forbidden" });
  }
}

export class NotFoundError extends TerrapodError {
  readonly code = "NOT_FOUND";
  constructor(kind: string, id: string) {
    super(`${kind} ${id} not found`, { kind, id }, { title: "not found" });
  }
}

export class BadRequestError extends TerrapodError {
  readonly code = "BAD_REQUEST";
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, { title: "bad request" });
  }
}

export class ConflictError extends TerrapodError {
  readonly code = "CONFLICT";
  constructor(message: string, details: ErrorDetails = {}, title = "conflict") {
    super(message, details, { title });
  }
}

export class LockedError extends TerrapodError {
  readonly code = "LOCKED";
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, { title: "conflict" });
  }
}

/** Invalid input. `pointer` names the offending field (JSON:API source.pointer). */
export class InvalidError extends TerrapodError {
  readonly code = "INVALID";
  readonly pointer: string | undefined;
  constructor(message: string, pointer?: string, title = "invalid attribute") {
    super(message, pointer === undefined ? {} : { pointer }, { title });
    this.pointer = pointer;
  }
}

export class PreconditionFailedError extends TerrapodError {
  readonly code = "PRECONDITION_FAILED";
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details, { title: "precondition failed" });
  }
}

export class TooLargeError extends TerrapodError {
  readonly code = "TOO_LARGE";
  constructor(what: string, limitBytes: number) {
    super(`${what} exceeds the limit of ${limitBytes} bytes`, { limitBytes }, { title: "payload too large" });
  }
}

/**
 * A dependency cannot be reached. The message (hosts, paths, driver text) is for the log; clients are
 * told at most which `dependency` failed.
 */
export class UnavailableError extends TerrapodError {
  readonly code = "UNAVAILABLE";
  constructor(message: string, opts?: { cause?: unknown; dependency?: string }) {
    super(message, opts?.dependency ? { dependency: opts.dependency } : {}, {
      ...(opts?.cause === undefined ? {} : { cause: opts.cause }),
      title: "service unavailable",
    });
  }
}

export class InternalError extends TerrapodError {
  readonly code = "INTERNAL";
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, {}, { ...opts, title: "internal server error" });
  }
}

export function isTerrapodError(err: unknown): err is TerrapodError {
  return err instanceof TerrapodError;
}

export function assertNever(value: never): never {
  throw new InternalError(`unexpected value ${JSON.stringify(value)}`);
}
