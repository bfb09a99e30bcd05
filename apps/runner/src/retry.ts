export type RetryPolicy = Readonly<{
  /** Attempts in all (the first call included); Infinity retries until the deadline. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}>;

/** Exponential backoff with "equal jitter": half fixed, half random, capped at `maxMs`. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export type RetryOptions = Readonly<{
  policy: RetryPolicy;
  isRetryable: (err: unknown) => boolean;
  /** Epoch ms after which no new attempt starts (read before each retry, so it may change). */
  deadline?: () => number | undefined;
  onRetry?: (err: unknown, retry: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}>;

/** Calls `fn` until it succeeds, a failure is not retryable, the attempts run out or the deadline passes. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => Bun.sleep(ms));
  const now = opts.now ?? Date.now;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const delay = backoffMs(attempt, opts.policy, opts.random);
      const deadline = opts.deadline?.();
      const outOfTime = deadline !== undefined && now() + delay > deadline;
      if (!opts.isRetryable(err) || attempt + 1 >= opts.policy.attempts || outOfTime) throw err;
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
