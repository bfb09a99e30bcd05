import { InvalidError } from "@terrapod/kernel";
import type { StateFacts } from "./state-facts.ts";
import { finishScalar, isSpace, scanScalar, scanString, scanToken } from "./state-scanner-grammar.ts";
import { createScanState, keep, type ScanState } from "./state-scanner-state.ts";

/**
 * A byte-level streaming reader of terraform/tofu state files (format v4). It checks the JSON grammar
 * and copies out only the few values it needs (serial, lineage, versions, outputs and a summary of each
 * resource), so a 100 MB state creates almost no garbage. Opaque JSON (a tofu-encrypted envelope)
 * yields no facts; bytes that are not one JSON object are refused.
 */
export function createStateScanner() {
  const state = createScanState();
  return {
    write(chunk: Uint8Array): void {
      writeChunk(state, chunk);
    },
    /** Ends the scan; throws InvalidError if the bytes were not one complete JSON object. */
    end(): StateFacts {
      return endScan(state);
    },
  };
}

function writeChunk(s: ScanState, chunk: Uint8Array): void {
  if (s.failure || chunk.byteLength === 0) return;
  const n = chunk.length;
  let i = 0;
  while (i < n) {
    if (s.failure) return;
    if (s.inString) {
      i = scanString(s, chunk, i, n);
      continue;
    }
    if (s.scalar !== "") {
      i = scanScalar(s, chunk, i, n);
      continue;
    }
    const b = chunk[i] as number;
    if (isSpace(b)) i++;
    else i = scanToken(s, chunk, i, b);
  }
  if (s.cap && !s.failure) keep(s, chunk, n);
}

function endScan(s: ScanState): StateFacts {
  if (s.scalar !== "" && !s.failure) finishScalar(s);
  if (!s.sawRoot && !s.failure) throw new InvalidError("the state file is empty", undefined, "invalid state");
  if (s.failure || !s.done || s.inString) {
    throw new InvalidError(
      `the state file is not valid JSON${s.failure ? ` (${s.failure})` : ""}`,
      undefined,
      "invalid state",
    );
  }
  return s.facts;
}
