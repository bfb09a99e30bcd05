/**
 * The JSON grammar of the streaming state scanner, one step per token: strings, scalars (numbers and
 * literals) and structural bytes. Each step takes the scan's {@link ScanState}, the chunk and the index
 * of the byte to read, and returns the index of the next byte; a step that fails records why (`fail`)
 * and the caller stops at once.
 */
import {
  capturingValue,
  endCapture,
  type Frame,
  fail,
  inResources,
  keyMatters,
  resourceBegins,
  resourceEnds,
  type ScanState,
  startCapture,
  valueBegins,
  valueEnds,
  wants,
} from "./state-scanner-state.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Bytes that can appear in a number or in true/false/null. */
function isScalarByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2d ||
    b === 0x2b ||
    b === 0x2e ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x45
  );
}

const numberPattern = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Inside a string: reads up to its closing quote (or the chunk's end, the string going on in the next). */
export function scanString(s: ScanState, chunk: Uint8Array, from: number, n: number): number {
  let i = from;
  let escaped = s.escaped;
  while (i < n) {
    const b = chunk[i] as number;
    if (escaped) escaped = false;
    else if (b === BACKSLASH) escaped = true;
    else if (b === QUOTE) break;
    else if (b < 0x20) {
      fail(s, "control character in a string");
      return i;
    }
    i++;
  }
  s.escaped = escaped;
  if (i >= n) return n;
  s.inString = false;
  i++; // past the closing quote
  const frame = s.stack[s.stack.length - 1];
  if (frame?.state === "key") {
    frame.key =
      s.cap?.target === "key" && s.cap.depth === s.stack.length
        ? (endCapture(s, chunk, i) as string)
        : undefined;
    frame.state = "colon";
  } else if (capturingValue(s)) {
    valueEnds(s, endCapture(s, chunk, i), true);
  } else {
    valueEnds(s, undefined, false);
  }
  return i;
}

/** Inside a number or literal: reads its bytes, and ends it at the first byte that is not one of them. */
export function scanScalar(s: ScanState, chunk: Uint8Array, from: number, n: number): number {
  let i = from;
  let text = s.scalar;
  while (i < n) {
    const b = chunk[i] as number;
    if (!isScalarByte(b)) {
      s.scalar = text;
      finishScalar(s);
      return i;
    }
    text += String.fromCharCode(b);
    if (text.length > 64) {
      s.scalar = text;
      fail(s, "number too long");
      return i;
    }
    i++;
  }
  s.scalar = text;
  return i;
}

export function finishScalar(s: ScanState): void {
  const text = s.scalar;
  s.scalar = "";
  let value: unknown;
  if (text === "true") value = true;
  else if (text === "false") value = false;
  else if (text === "null") value = null;
  else if (numberPattern.test(text)) value = Number(text);
  else {
    fail(s, `invalid token ${text.slice(0, 20)}`);
    return;
  }
  const frame = s.stack[s.stack.length - 1];
  if (!frame) {
    fail(s, "the state is not a JSON object");
    return;
  }
  valueEnds(s, value, frame.kind === "object" && wants(s, s.stack.length, frame.key));
}

/** A structural byte `b` (not whitespace) at `i`, outside strings and scalars. */
export function scanToken(s: ScanState, chunk: Uint8Array, i: number, b: number): number {
  if (s.done) {
    fail(s, "trailing data after the state");
    return i;
  }
  const frame = s.stack[s.stack.length - 1];
  if (frame === undefined) return scanValue(s, frame, i, b);
  const state = frame.state;
  if (state === "key-or-end" || state === "key") return scanKey(s, frame, chunk, i, b);
  if (state === "colon") {
    if (b !== COLON) {
      fail(s, "expected ':'");
      return i;
    }
    frame.state = "value";
    return i + 1;
  }
  if (state === "comma-or-end") return scanCommaOrEnd(s, frame, chunk, i, b);
  if (state === "value-or-end" && b === CLOSE_BRACKET) {
    closeContainer(s, chunk, i, "array");
    return i + 1;
  }
  return scanValue(s, frame, i, b);
}

function scanKey(s: ScanState, frame: Frame, chunk: Uint8Array, i: number, b: number): number {
  if (b === CLOSE_BRACE && frame.state === "key-or-end") {
    closeContainer(s, chunk, i, "object");
    return i + 1;
  }
  if (b !== QUOTE) {
    fail(s, "expected a key");
    return i;
  }
  frame.state = "key";
  if (keyMatters(s, s.stack.length)) startCapture(s, "key", i);
  s.inString = true;
  return i + 1;
}

function scanCommaOrEnd(s: ScanState, frame: Frame, chunk: Uint8Array, i: number, b: number): number {
  if (b === COMMA) {
    frame.state = frame.kind === "object" ? "key" : "value";
    return i + 1;
  }
  if ((b === CLOSE_BRACE && frame.kind === "object") || (b === CLOSE_BRACKET && frame.kind === "array")) {
    closeContainer(s, chunk, i, frame.kind);
    return i + 1;
  }
  fail(s, "expected ',' or the end of a container");
  return i;
}

/** A value is expected here (`frame` is undefined for the root). */
function scanValue(s: ScanState, frame: Frame | undefined, i: number, b: number): number {
  if (!frame && (s.sawRoot || b !== OPEN_BRACE)) {
    fail(s, "the state is not a JSON object");
    return i;
  }
  const wanted = frame?.kind === "object" && wants(s, s.stack.length, frame.key);
  if (b === OPEN_BRACE || b === OPEN_BRACKET) {
    valueBegins(s);
    if (wanted) startCapture(s, "value", i);
    const kind = b === OPEN_BRACE ? "object" : "array";
    s.stack.push({ kind, key: undefined, state: kind === "object" ? "key-or-end" : "value-or-end" });
    if (kind === "object" && s.stack.length === 3 && inResources(s)) resourceBegins(s);
    return i + 1;
  }
  if (b === QUOTE) {
    valueBegins(s);
    if (wanted) startCapture(s, "value", i);
    s.inString = true;
    return i + 1;
  }
  if (isScalarByte(b)) {
    valueBegins(s);
    s.scalar = String.fromCharCode(b);
    return i + 1;
  }
  fail(s, `unexpected character '${String.fromCharCode(b)}'`);
  return i;
}

function closeContainer(s: ScanState, chunk: Uint8Array, at: number, kind: Frame["kind"]): void {
  const frame = s.stack.pop();
  if (!frame || frame.kind !== kind) {
    fail(s, "mismatched brackets");
    return;
  }
  if (frame.state === "key" || frame.state === "colon" || frame.state === "value") {
    fail(s, "unexpected end of a container");
    return;
  }
  if (kind === "object" && s.stack.length === 2 && inResources(s)) resourceEnds(s);
  if (capturingValue(s)) valueEnds(s, endCapture(s, chunk, at + 1), true);
  else valueEnds(s, undefined, false);
}
