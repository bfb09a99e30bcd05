/**
 * Terraform state files: the facts a state version keeps ({@link StateFacts}), read by a streaming
 * scanner (`state-scanner.ts`) that never holds the whole file in memory.
 */

import type { StateFacts } from "./state-facts.ts";
import { createStateScanner } from "./state-scanner.ts";

export type { ResourceSummary, StateFacts, StateOutput } from "./state-facts.ts";
export { managedResourceCount, maxIndexKeys, maxResourceSummaries, readOutputs } from "./state-facts.ts";
export { createStateScanner } from "./state-scanner.ts";

/** Scans an in-memory state (legacy inline upload, rollback). */
export function scanState(bytes: Uint8Array): StateFacts {
  const s = createStateScanner();
  s.write(bytes);
  return s.end();
}
