import type { JobVariable } from "@terrapod/runner-protocol";
import { hclString } from "./var-file.ts";

export const maskText = "***";
const mask = new TextEncoder().encode(maskText);
const encoder = new TextEncoder();
/** Lines of a multi-line secret shorter than this are not masked on their own (too common). */
const minLinePatternChars = 6;
/** A held-back tail never grows past this: beyond it the masker emits what it has. */
const maxPendingBytes = 1024 * 1024;

/**
 * The strings to hide for the sensitive variables: each value as is, as it appears JSON- or
 * HCL-escaped, and each longer line of a multi-line value (an engine may print one line of a key).
 */
export function secretPatterns(variables: readonly JobVariable[]): string[] {
  const patterns = new Set<string>();
  for (const variable of variables) {
    if (!variable.sensitive || variable.value === "") continue;
    const value = variable.value;
    patterns.add(value);
    patterns.add(JSON.stringify(value).slice(1, -1));
    patterns.add(hclString(value).slice(1, -1));
    for (const line of value.split(/\r?\n/)) {
      if (line.trim().length >= minLinePatternChars) patterns.add(line);
    }
  }
  patterns.delete("");
  return [...patterns];
}

export type LogMasker = {
  /** Masked bytes that are safe to emit now; a tail that could start a secret is held back. */
  push(chunk: Uint8Array): Uint8Array;
  /** Everything held back, masked: the stream ended. */
  end(): Uint8Array;
};

/**
 * Secrets shorter than this are masked only where they are not glued to a longer word, so a
 * one-letter value hides `"t"` but does not shred every "t" of the log.
 */
const minFreeMatchBytes = 8;

type Pattern = { readonly bytes: Uint8Array; readonly bounded: boolean };

const isWordByte = (b: number | undefined): boolean =>
  b !== undefined &&
  ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f);

/**
 * First index from which the rest of `buf` could still become an occurrence once more bytes come: a
 * proper prefix of a secret, or a whole word-bounded secret whose next byte is unknown.
 */
function holdFrom(patterns: readonly Pattern[], maxLen: number, buf: Buffer): number {
  for (let k = Math.max(0, buf.byteLength - maxLen); k < buf.byteLength; k++) {
    const tail = buf.subarray(k);
    for (const { bytes, bounded } of patterns) {
      const longer = bounded ? bytes.byteLength >= tail.byteLength : bytes.byteLength > tail.byteLength;
      if (longer && Buffer.from(bytes.buffer, bytes.byteOffset, tail.byteLength).equals(tail)) return k;
    }
  }
  return buf.byteLength;
}

/** `previous` is the raw byte just before `buf` (for word boundaries). */
function matchesAt(
  buf: Buffer,
  i: number,
  { bytes, bounded }: Pattern,
  previous: number | undefined,
): boolean {
  if (!bounded) return true;
  const before = i > 0 ? buf[i - 1] : previous;
  const end = i + bytes.byteLength;
  const after = end < buf.byteLength ? buf[end] : undefined;
  // Not glued to a word: a word character at an edge of the secret must not continue outside it.
  const startOk = !isWordByte(bytes[0]) || !isWordByte(before);
  const endOk = !isWordByte(bytes[bytes.byteLength - 1]) || !isWordByte(after);
  return startOk && endOk;
}

/** Every occurrence of a secret in `buf`, as [start, end) intervals sorted by start. */
function occurrences(
  buf: Buffer,
  patterns: readonly Pattern[],
  previous: number | undefined,
): [number, number][] {
  const intervals: [number, number][] = [];
  for (const pattern of patterns) {
    for (let i = buf.indexOf(pattern.bytes); i !== -1; i = buf.indexOf(pattern.bytes, i + 1)) {
      if (matchesAt(buf, i, pattern, previous)) intervals.push([i, i + pattern.bytes.byteLength]);
    }
  }
  intervals.sort((a, b) => a[0] - b[0]);
  return intervals;
}

/**
 * Masks the runs of overlapping occurrences that end before `hold`: the bytes safe to emit, and the
 * index where the bytes still held back start.
 */
function maskRuns(
  buf: Buffer,
  intervals: readonly [number, number][],
  hold: number,
): { out: Buffer; rest: number } {
  const out: Uint8Array[] = [];
  let cursor = 0;
  let cut = hold;
  let runStart = -1;
  let runEnd = -1;
  const closeRun = (): boolean => {
    if (runStart === -1) return true;
    if (runEnd > hold) {
      // The run reaches into the held-back tail: a longer overlapping secret may still follow.
      cut = runStart;
      return false;
    }
    out.push(buf.subarray(cursor, runStart), mask);
    cursor = runEnd;
    runStart = -1;
    return true;
  };
  let open = true;
  for (const [start, end] of intervals) {
    if (start >= hold) break;
    if (runStart !== -1 && start < runEnd) {
      runEnd = Math.max(runEnd, end);
      continue;
    }
    if (!closeRun()) {
      open = false;
      break;
    }
    runStart = start;
    runEnd = end;
  }
  if (open) closeRun();
  if (cut > cursor) out.push(buf.subarray(cursor, cut));
  return { out: Buffer.concat(out), rest: Math.max(cursor, cut) };
}

/**
 * Replaces every occurrence of the secrets in a byte stream by `***`, including occurrences split
 * across chunks. Overlapping occurrences (of one secret or several) are masked as one run. Only a tail
 * that is the beginning of some secret is held back, so ordinary output is never delayed.
 */
export function createLogMasker(secrets: readonly string[]): LogMasker {
  const patterns: Pattern[] = secrets
    .filter((s) => s !== "")
    .map((s) => encoder.encode(s))
    .map((bytes) => ({ bytes, bounded: bytes.byteLength < minFreeMatchBytes }));
  if (patterns.length === 0) {
    return { push: (chunk) => chunk, end: () => new Uint8Array(0) };
  }
  const maxLen = Math.max(...patterns.map((p) => p.bytes.byteLength));
  let pending: Buffer = Buffer.alloc(0);
  /** The raw byte just before `pending` (for word boundaries). */
  let previous: number | undefined;

  const release = (final: boolean): Uint8Array => {
    const buf = pending;
    const hold = final || buf.byteLength > maxPendingBytes ? buf.byteLength : holdFrom(patterns, maxLen, buf);
    const { out, rest } = maskRuns(buf, occurrences(buf, patterns, previous), hold);
    if (rest > 0) previous = buf[rest - 1];
    pending = Buffer.from(buf.subarray(rest));
    return out;
  };

  return {
    push(chunk) {
      pending = pending.byteLength === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
      return release(false);
    },
    end() {
      return release(true);
    },
  };
}

/** `text` with the secrets masked (one-shot). */
export function maskString(secrets: readonly string[], text: string): string {
  const masker = createLogMasker(secrets);
  const decoder = new TextDecoder();
  return decoder.decode(masker.push(encoder.encode(text)), { stream: true }) + decoder.decode(masker.end());
}
