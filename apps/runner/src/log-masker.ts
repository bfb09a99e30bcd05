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
 * Replaces every occurrence of the secrets in a byte stream by `***`, including occurrences split
 * across chunks. Overlapping occurrences (of one secret or several) are masked as one run. Only a tail
 * that is the beginning of some secret is held back, so ordinary output is never delayed.
 */
export function createLogMasker(secrets: readonly string[]): LogMasker {
  const patterns = secrets.filter((s) => s !== "").map((s) => encoder.encode(s));
  if (patterns.length === 0) {
    return { push: (chunk) => chunk, end: () => new Uint8Array(0) };
  }
  const maxLen = Math.max(...patterns.map((p) => p.byteLength));
  let pending: Buffer = Buffer.alloc(0);

  /** First index from which the rest of `buf` is a proper prefix of some pattern (or buf.length). */
  const holdFrom = (buf: Buffer): number => {
    for (let k = Math.max(0, buf.byteLength - maxLen + 1); k < buf.byteLength; k++) {
      const tail = buf.subarray(k);
      for (const p of patterns) {
        if (
          p.byteLength > tail.byteLength &&
          Buffer.from(p.buffer, p.byteOffset, tail.byteLength).equals(tail)
        ) {
          return k;
        }
      }
    }
    return buf.byteLength;
  };

  const release = (final: boolean): Uint8Array => {
    const buf = pending;
    const hold = final || buf.byteLength > maxPendingBytes ? buf.byteLength : holdFrom(buf);
    const intervals: [number, number][] = [];
    for (const p of patterns) {
      for (let i = buf.indexOf(p); i !== -1; i = buf.indexOf(p, i + 1)) intervals.push([i, i + p.byteLength]);
    }
    intervals.sort((a, b) => a[0] - b[0]);
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
    pending = Buffer.from(buf.subarray(Math.max(cursor, cut)));
    return Buffer.concat(out);
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
