/**
 * Service addresses for this package's integration tests (`*.int.test.ts`). The accessor throws when
 * its variable is missing, so an integration test whose service is absent fails instead of passing
 * without having run.
 */
export function redisTestUrl(): string {
  const url = Bun.env.TERRAPOD_TEST_REDIS_URL;
  if (!url) {
    throw new Error(
      "TERRAPOD_TEST_REDIS_URL is not set: the Redis integration tests need a Redis server " +
        "(e.g. `redis-server --port 6399` and TERRAPOD_TEST_REDIS_URL=redis://127.0.0.1:6399)",
    );
  }
  return url;
}
