import { InvalidError } from "@terrapod/kernel";

/** Topic and stream names become Redis keys and channel names: keep them to a safe alphabet. */
const namePattern = /^[A-Za-z0-9._:/@-]{1,256}$/;

export function assertName(kind: "topic" | "stream", name: string): void {
  if (!namePattern.test(name)) {
    throw new InvalidError(
      `${kind} name ${JSON.stringify(name.slice(0, 80))} must be 1-256 characters of A-Z a-z 0-9 . _ : / @ -`,
      kind,
    );
  }
}

export function assertNonNegativeInteger(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidError(`${what} must be a non-negative integer, got ${value}`, what);
  }
}

export function assertTimeout(timeoutMs: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new InvalidError(`timeoutMs must be a non-negative number, got ${timeoutMs}`, "timeoutMs");
  }
}

export function assertExpiry(seconds: number): void {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidError(`expiry must be a positive number of seconds, got ${seconds}`, "seconds");
  }
}

/** Serializes a bus payload, rejecting what JSON cannot carry (undefined, functions, BigInt, cycles). */
export function encodePayload(topic: string, payload: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (err) {
    throw new InvalidError(`payload for topic ${topic} is not JSON-serializable: ${String(err)}`, "payload");
  }
  if (text === undefined)
    throw new InvalidError(`payload for topic ${topic} is not JSON-serializable`, "payload");
  return text;
}

/** Calls a subscriber so that neither a throw nor a rejected promise escapes into the bus. */
export function deliver(
  handler: (payload: unknown) => void,
  payload: unknown,
  report: (err: unknown) => void,
): void {
  try {
    const result: unknown = handler(payload);
    if (result instanceof Promise) result.catch(report);
  } catch (err) {
    report(err);
  }
}
