/** graceful: SIGINT the engine, SIGKILL after the grace period. force: SIGKILL now. */
export type CancelLevel = "graceful" | "force";

/**
 * A cancel request that only escalates (none → graceful → force). The heartbeat reply and the runner's
 * own signals feed it; the engine supervisor and the phase steps read it.
 */
export class Cancellation {
  #level: CancelLevel | undefined;
  readonly #listeners = new Set<(level: CancelLevel) => void>();

  get level(): CancelLevel | undefined {
    return this.#level;
  }

  get requested(): boolean {
    return this.#level !== undefined;
  }

  request(level: CancelLevel): void {
    if (this.#level === level || this.#level === "force") return;
    this.#level = level;
    for (const listener of this.#listeners) listener(level);
  }

  /** Calls `listener` on every escalation; returns the unsubscribe function. */
  subscribe(listener: (level: CancelLevel) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
