/**
 * Child-process entry: a Terrapod for the go-tfe conformance run, started with `startTestServer` so
 * that TERRAPOD_TEST_BACKEND picks the shape (pglite = embedded; postgres = PostgreSQL + Redis + S3,
 * from the TERRAPOD_TEST_* services). It serves https with the certificate given on the command line,
 * prints one JSON line `{"url":...,"adminToken":...}` when ready, logs JSON lines (level
 * TERRAPOD_LOG_LEVEL, default warn; at info, also before the ready line, and one access-log line per
 * request, which the conformance run measures the tests with), and stops cleanly on SIGTERM/SIGINT.
 *
 *   bun scripts/lib/conformance-server.ts <cert.pem> <key.pem>
 */
import { startTestServer } from "../../apps/server/src/testing/test-server.ts";

const [cert, key] = process.argv.slice(2);
if (!cert || !key) {
  console.error("usage: bun scripts/lib/conformance-server.ts <cert.pem> <key.pem>");
  process.exit(2);
}

const server = await startTestServer({
  tls: { cert, key },
  env: { TERRAPOD_LOG_LEVEL: process.env.TERRAPOD_LOG_LEVEL || "warn" },
});
process.stdout.write(`${JSON.stringify({ url: server.url, adminToken: server.adminToken })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
