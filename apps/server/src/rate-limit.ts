/** Token-bucket limiter per client key (token hash or address); one bucket refills `rate` per second. */
export type RateLimiter = {
  /** Returns 0 when allowed, otherwise the seconds to wait. */
  take(key: string, nowMs: number): number;
};

export function createRateLimiter(
  ratePerSecond: number,
  burst = ratePerSecond * 2,
  maxKeys = 50_000,
): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, nowMs) {
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) buckets.clear();
        b = { tokens: burst, at: nowMs };
        buckets.set(key, b);
      }
      b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * ratePerSecond);
      b.at = nowMs;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return (1 - b.tokens) / ratePerSecond;
    },
  };
}
