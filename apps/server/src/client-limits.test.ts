import { describe, expect, test } from "bun:test";
import { type Actor, UnauthenticatedError, type UserId } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { clientAddress, createClientLimits, trustedProxyList } from "./client-limits.ts";

const alice: Actor = {
  kind: "user",
  userId: "user-alice" as UserId,
  username: "alice",
  siteAdmin: false,
  tokenId: undefined,
};

/** Tokens "alice-1" and "alice-2" are alice's; anything else is invalid. Counts the lookups. */
function fakeAuth() {
  const calls: string[] = [];
  const authenticate = async (authorization: string | null, _surface: "tfe") => {
    calls.push(authorization ?? "");
    if (authorization?.startsWith("Bearer alice-")) return alice;
    throw new UnauthenticatedError();
  };
  return { calls, authenticate };
}

const request = (authorization?: string, forwardedFor?: string) =>
  new Request("http://terrapod/api/v2/ping", {
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}),
    },
  });

describe("the client address", () => {
  const proxies = trustedProxyList(["10.0.0.0/8", "::1"]);

  test("the socket's, unless the socket is a trusted proxy", () => {
    expect(clientAddress("203.0.113.9", "198.51.100.1", proxies)).toBe("203.0.113.9");
    expect(clientAddress("10.1.2.3", "198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("::1", "198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("10.1.2.3", null, proxies)).toBe("10.1.2.3");
    expect(clientAddress("198.51.100.1", "1.2.3.4", trustedProxyList([]))).toBe("198.51.100.1");
  });

  test("read from the right: what a client wrote itself at the left is not believed", () => {
    // client 198.51.100.7 sent "X-Forwarded-For: 1.1.1.1"; two trusted proxies appended.
    expect(clientAddress("10.0.0.2", "1.1.1.1, 198.51.100.7, 10.0.0.1", proxies)).toBe("198.51.100.7");
  });

  test("an IPv4-mapped socket address is the IPv4 address", () => {
    expect(clientAddress("::ffff:10.9.9.9", "198.51.100.2", proxies)).toBe("198.51.100.2");
    expect(clientAddress("::ffff:203.0.113.1", null, proxies)).toBe("203.0.113.1");
  });
});

describe("client limits", () => {
  const config = { ratePerSecond: 4, authFailuresPerMinute: 3, trustedProxies: [] };

  test("a principal has one budget whatever its token or address; others are not affected", async () => {
    const auth = fakeAuth();
    const limits = createClientLimits(config, auth.authenticate, () => "tfe" as const);
    const now = 1_000_000;
    let allowed = 0;
    for (let i = 0; i < 8; i++) {
      const a = await limits.admit(request(`Bearer alice-${i % 2}`), `203.0.113.${i}`, now);
      if (a.allowed) allowed++;
    }
    expect(allowed).toBe(8); // the burst: twice the rate
    const over = await limits.admit(request("Bearer alice-1"), "203.0.113.99", now);
    expect(over.allowed).toBe(false);
    expect((await limits.admit(request(), "203.0.113.1", now)).allowed).toBe(true);
  });

  test("invalid credentials: the address's failure budget, then 429 for them; valid ones still pass", async () => {
    const auth = fakeAuth();
    const limits = createClientLimits(config, auth.authenticate, () => "tfe" as const);
    const now = 2_000_000;
    for (let i = 0; i < 3; i++) {
      expect((await limits.admit(request("Bearer wrong"), "198.51.100.5", now)).allowed).toBe(true);
    }
    const refused = await limits.admit(request("Bearer wrong"), "198.51.100.5", now);
    expect(refused).toMatchObject({
      allowed: false,
      detail: expect.stringContaining("failed authentications"),
    });
    expect((await limits.admit(request("Bearer wrong"), "198.51.100.6", now)).allowed).toBe(true);
    expect((await limits.admit(request("Bearer alice-1"), "198.51.100.5", now)).allowed).toBe(true);
    // 20 s later (3 per minute): one more failure is allowed again
    expect((await limits.admit(request("Bearer wrong"), "198.51.100.5", now + 20_000)).allowed).toBe(true);
  });

  test("routes reuse the edge's authentication of the request: one token lookup", async () => {
    const auth = fakeAuth();
    const limits = createClientLimits(config, auth.authenticate, () => "tfe" as const);
    const app = new Elysia().get("/api/v2/ping", async ({ request: req }) => {
      const actor = await limits.authenticate(req.headers.get("authorization"), "tfe");
      return actor.kind;
    });
    const req = request("Bearer alice-1");
    const admission = await limits.admit(req, "127.0.0.1", 3_000_000);
    if (!admission.allowed) throw new Error("refused");
    const res = await admission.run(() => app.handle(req));
    expect(await res.text()).toBe("user");
    expect(auth.calls).toEqual(["Bearer alice-1"]);
    // outside an admitted request (or with another credential), a fresh lookup
    await limits.authenticate("Bearer alice-2", "tfe");
    expect(auth.calls).toHaveLength(2);
  });
});
