import { afterAll, describe, expect, test } from "bun:test";
import {
  createServerSite,
  freePort,
  type ServerProcess,
  type ServerSite,
  startServerProcess,
} from "./testing/server-process.ts";

/**
 * A SIGTERM while migrations wait for an unreachable PostgreSQL: the real program exits promptly, and
 * nothing of the background work (executor, sweeper) ever starts.
 */
const sites: ServerSite[] = [];
const servers: ServerProcess[] = [];
const listeners: { stop(force?: boolean): void }[] = [];
afterAll(async () => {
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
  for (const l of listeners) l.stop(true);
  for (const site of sites) await site.cleanup();
});

/** A "database" that accepts connections and never answers: the migration hangs. */
function silentDatabase(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  listeners.push(listener);
  return listener.port;
}

async function startAgainst(databasePort: number): Promise<ServerProcess> {
  const site = await createServerSite({
    DATABASE_URL: `postgres://nobody@127.0.0.1:${databasePort}/nothing`,
    TERRAPOD_ENCRYPTION_KEY: "k=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    TERRAPOD_CAPABILITY_KEY: "Y2FwYWJpbGl0eS1rZXktZm9yLXRlc3RzLTMyYnl0ZXM=",
    TERRAPOD_LOG_LEVEL: "debug",
    // A long grace: a prompt exit must not come from the grace running out.
    TERRAPOD_SHUTDOWN_GRACE_MS: "60000",
  });
  sites.push(site);
  const server = startServerProcess(site, await freePort());
  servers.push(server);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const up = await fetch(`${server.base}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) return server;
    await Bun.sleep(50);
  }
  throw new Error(`the server never listened; its output:\n${server.output()}`);
}

describe("a SIGTERM during migrations", () => {
  test.each([
    ["that never answers", () => silentDatabase()],
    ["that refuses connections", () => freePort()],
  ])(
    "against a database %s: a prompt exit, and no background work starts",
    async (_name, database) => {
      const server = await startAgainst(await database());
      await Bun.sleep(700); // the migration is under way (or waiting to retry)
      expect((await fetch(`${server.base}/api/v2/ping`)).status).toBe(503);
      const { code, ms } = await server.terminate();
      const output = server.output();
      expect(code).toBe(0);
      expect(ms).toBeLessThan(3000);
      expect(output).toContain("shutting down");
      expect(output).not.toMatch(/executor|sweeper|startup failed/i);
    },
    60_000,
  );
});
