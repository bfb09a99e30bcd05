import { describe, expect, test } from "bun:test";
import { ConfigError, loadServerConfig } from "./config.ts";

const capabilityKey = "Y2FwYWJpbGl0eS1rZXktZm9yLXRlc3RzLTMyYnl0ZXM=";

describe("server config", () => {
  test("defaults give the embedded shape on :8080", () => {
    const c = loadServerConfig({});
    expect(c.mode).toBe("embedded");
    expect(c.http.port).toBe(8080);
    expect(c.http.host).toBe("0.0.0.0");
    expect(c.db.kind).toBe("pglite");
    expect(c.redis).toBeUndefined();
    expect(c.s3).toBeUndefined();
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  test("DATABASE_URL selects production and then requires an encryption key and a capability key", () => {
    expect(() => loadServerConfig({ DATABASE_URL: "postgres://db/x" })).toThrow(/TERRAPOD_ENCRYPTION_KEY/);
    expect(() => loadServerConfig({ DATABASE_URL: "postgres://db/x" })).toThrow(/TERRAPOD_CAPABILITY_KEY/);
    const c = loadServerConfig({
      DATABASE_URL: "postgres://db/x",
      TERRAPOD_ENCRYPTION_KEY: "k",
      TERRAPOD_CAPABILITY_KEY: capabilityKey,
    });
    expect(c.mode).toBe("production");
    expect(c.db).toEqual({ kind: "postgres", url: "postgres://db/x", maxConnections: 10 });
    expect(c.capabilityKey).toBe(capabilityKey);
  });

  test("the capability key is base64 of 32 bytes", () => {
    expect(loadServerConfig({}).capabilityKey).toBeUndefined();
    expect(() => loadServerConfig({ TERRAPOD_CAPABILITY_KEY: "c2hvcnQ=" })).toThrow(/32 bytes/);
  });

  test("trusted proxies: addresses and CIDRs, anything else is a problem", () => {
    const c = loadServerConfig({ TERRAPOD_TRUSTED_PROXIES: "10.0.0.0/8, 127.0.0.1 fd00::/8,::1" });
    expect(c.http.trustedProxies).toEqual(["10.0.0.0/8", "127.0.0.1", "fd00::/8", "::1"]);
    expect(loadServerConfig({}).http.trustedProxies).toEqual([]);
    expect(() => loadServerConfig({ TERRAPOD_TRUSTED_PROXIES: "10.0.0.0/33,proxy.local" })).toThrow(
      /10\.0\.0\.0\/33 is not an IP address or CIDR.*proxy\.local is not/,
    );
  });

  test("the metrics token and the failed-authentication limit", () => {
    const c = loadServerConfig({ TERRAPOD_METRICS_TOKEN: "a-metrics-token-of-some-length" });
    expect(c.http.metricsToken).toBe("a-metrics-token-of-some-length");
    expect(c.http.authFailuresPerMinute).toBe(10);
    expect(() => loadServerConfig({ TERRAPOD_METRICS_TOKEN: "short" })).toThrow(/TERRAPOD_METRICS_TOKEN/);
  });

  test("every problem is reported at once", () => {
    try {
      loadServerConfig({
        TERRAPOD_PORT: "http",
        REDIS_URL: "localhost:6379",
        TERRAPOD_LOG_LEVEL: "loud",
        TERRAPOD_TLS_CERT: "/x",
      });
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      expect(problems).toContain("TERRAPOD_PORT");
      expect(problems).toContain("REDIS_URL");
      expect(problems).toContain("TERRAPOD_LOG_LEVEL");
    }
  });

  test("TLS needs both files and they must be PEM", () => {
    expect(() => loadServerConfig({ TERRAPOD_TLS_CERT: "/etc/hostname" })).toThrow(/must be set together/);
    expect(() =>
      loadServerConfig({ TERRAPOD_TLS_CERT: "/etc/hostname", TERRAPOD_TLS_KEY: "/etc/hostname" }),
    ).toThrow(/not a PEM file/);
  });
});
