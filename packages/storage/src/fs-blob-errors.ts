import { InternalError, TerrapodError, UnavailableError } from "@terrapod/kernel";

export function errnoOf(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string")
    return err.code;
  return undefined;
}

export function isMissing(err: unknown): boolean {
  const code = errnoOf(err);
  return code === "ENOENT" || code === "ENOTDIR";
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Filesystem failures: out of space / I/O / permissions mean the store is unusable, anything else is a bug. */
export function mapFsError(err: unknown, what: string): TerrapodError {
  if (err instanceof TerrapodError) return err;
  const code = errnoOf(err);
  const message = `${what} failed: ${messageOf(err)}`;
  if (
    code !== undefined &&
    ["ENOSPC", "EDQUOT", "EIO", "EROFS", "EACCES", "EPERM", "EMFILE", "ENFILE"].includes(code)
  ) {
    return new UnavailableError(message, { cause: err, dependency: "storage" });
  }
  return new InternalError(message, { cause: err });
}

export async function fsCall<T>(promise: Promise<T>, what: string): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw mapFsError(err, what);
  }
}
