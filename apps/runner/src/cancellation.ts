/** graceful: SIGINT the engine, SIGKILL after the grace period. force: SIGKILL now. */
export type CancelLevel = "graceful" | "force";

/**
 * A cancel request that only escalates (none → graceful → force). The heartbeat reply and the runner's
 * own signals feed it; the engine supervisor and the phase steps read it. A fence (`fence`) is a forced
 * cancel after which the runner must not report: its server no longer counts on it (see fencing.ts).
 */
export class Cancellation {
  #level: CancelLevel | undefined;
  #fenced: string | undefined;
  readonly #listeners = new Set<(level: CancelLevel) => void>();

  get level(): CancelLevel | undefined {
    return this.#level;
  }

  get requested(): boolean {
    return this.#level !== undefined;
  }

  /** Why the runner was fenced, if it was. */
  get fenced(): string | undefined {
    return this.#fenced;
  }

  request(level: CancelLevel): void {
    if (this.#level === level || this.#level === "force") return;
    this.#level = level;
    for (const listener of this.#listeners) listener(level);
  }

  /** Fences the runner: the engine is killed at once, and the phase ends without a report. */
  fence(reason: string): void {
    if (this.#fenced !== undefined) return;
    this.#fenced = reason;
    if (this.#level !== "force") this.request("force");
    // Already forced: listeners still hear of the fence (they read `fenced`).
    else for (const listener of this.#listeners) listener("force");
  }

  /** Calls `listener` on every escalation; returns the unsubscribe function. */
  subscribe(listener: (level: CancelLevel) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
