import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { expectProblem } from "./testing/test-http.ts";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

/**
 * A low rate (4 per second, bursts of 8), 5 failed authentications per minute per address, and the
 * loopback trusted as a proxy (its X-Forwarded-For names the client).
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({
    env: {
      TERRAPOD_RATE_LIMIT: "4",
      TERRAPOD_AUTH_FAILURE_LIMIT: "5",
      TERRAPOD_TRUSTED_PROXIES: "127.0.0.1,::1",
    },
  });
});
afterAll(async () => {
  await t?.stop();
});

const from = (address: string, token: string | null) =>
  t.api("/api/v2/organizations", { token, headers: { "x-forwarded-for": address } });

describe("failed authentications are limited per address", () => {
  test("five invalid credentials from an address, then 429 for it; other addresses and valid ones pass", async () => {
    for (let i = 0; i < 5; i++) {
      expect((await from("203.0.113.10", `not-a-token-${i}`)).status).toBe(401);
    }
    const refused = await from("203.0.113.10", "not-a-token-x");
    const problem = await expectProblem(refused, 429);
    expect(problem.detail).toContain("failed authentications");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // the address the trusted proxy names is the key, not the proxy's own
    expect((await from("203.0.113.11", "not-a-token-y")).status).toBe(401);
    // a valid credential from the refused address is not refused
    expect((await from("203.0.113.10", t.adminToken)).status).toBe(200);
  });

  test("an untrusted hop cannot pick its key: only what the trusted proxy appended counts", async () => {
    // the client claims many addresses at the left; the proxy (loopback) appended the same one each time
    for (let i = 0; i < 5; i++) {
      expect((await from(`198.51.100.${i}, 203.0.113.20`, `bad-${i}`)).status).toBe(401);
    }
    await expectProblem(await from("198.51.100.99, 203.0.113.20", "bad-z"), 429);
  });
});

describe("requests are limited per principal", () => {
  test("a valid token's burst ends in 429 for its principal; an anonymous caller at the same address passes", async () => {
    await Bun.sleep(2100); // a full bucket again
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.api("/api/v2/organizations")));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(8);
    const limited = answers.find((r) => r.status === 429);
    if (!limited) throw new Error(`no 429 among ${statuses.join(",")}`);
    expect((await expectProblem(limited, 429)).detail).toContain("rate limit exceeded");
    // same socket and (no) forwarded address: another client, another budget
    expect((await t.api("/api/v2/ping", { token: null })).status).toBe(204);
  });
});
