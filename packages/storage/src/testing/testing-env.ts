/**
 * Service addresses for this package's integration tests (`*.int.test.ts`). Each accessor throws when
 * its variable is missing, so an integration test whose service is absent fails instead of passing
 * without having run.
 */

export type S3TestEnv = {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
};

export function s3TestEnv(): S3TestEnv {
  const endpoint = Bun.env.TERRAPOD_TEST_S3_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      "TERRAPOD_TEST_S3_ENDPOINT is not set: the S3 integration tests need an S3-compatible server " +
        "(e.g. `moto_server -H 127.0.0.1 -p 5099` and TERRAPOD_TEST_S3_ENDPOINT=http://127.0.0.1:5099)",
    );
  }
  return {
    endpoint,
    region: Bun.env.AWS_REGION || "us-east-1",
    credentials: {
      accessKeyId: Bun.env.AWS_ACCESS_KEY_ID || "test",
      secretAccessKey: Bun.env.AWS_SECRET_ACCESS_KEY || "test",
    },
  };
}
