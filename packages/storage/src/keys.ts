import { InvalidError } from "@terrapod/kernel";

/** S3's limit, applied everywhere so that a key valid in one store is valid in all of them. */
export const maxKeyBytes = 1024;

const encoder = new TextEncoder();

function describe(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(shown);
}

function assertCharacters(value: string, what: string): void {
  if (value.includes("\0")) throw new InvalidError(`${what} ${describe(value)} contains a NUL byte`, "key");
  if (value.includes("\\")) throw new InvalidError(`${what} ${describe(value)} contains a backslash`, "key");
  if (value.startsWith("/")) throw new InvalidError(`${what} ${describe(value)} must be relative`, "key");
  if (encoder.encode(value).byteLength > maxKeyBytes) {
    throw new InvalidError(`${what} ${describe(value)} is longer than ${maxKeyBytes} bytes`, "key");
  }
}

function assertSegment(segment: string, value: string, what: string): void {
  if (segment === "") {
    throw new InvalidError(`${what} ${describe(value)} has an empty path segment`, "key");
  }
  if (segment === "." || segment === "..") {
    throw new InvalidError(`${what} ${describe(value)} contains a "${segment}" segment`, "key");
  }
}

/** Throws InvalidError unless `key` is a non-empty relative path of non-empty, non-dot segments. */
export function assertValidKey(key: string): void {
  if (key.length === 0) throw new InvalidError("blob key must not be empty", "key");
  assertCharacters(key, "blob key");
  for (const segment of key.split("/")) assertSegment(segment, key, "blob key");
}

/**
 * A list prefix is a key prefix: "" (everything), whole directories (`state/ws-1/`) or a partial last
 * segment (`state/ws-`). Every complete segment obeys the key rules.
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix.length === 0) return;
  assertCharacters(prefix, "list prefix");
  const segments = prefix.split("/");
  const last = segments.pop() ?? "";
  for (const segment of segments) assertSegment(segment, prefix, "list prefix");
  if (last === "..") throw new InvalidError(`list prefix ${describe(prefix)} contains a ".." segment`, "key");
}

/** Orders keys by their UTF-8 bytes, the order S3 lists in. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
