import { describe, expect, test } from "bun:test";
import { ConfigError, loadServerConfig } from "./config.ts";

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

  test("DATABASE_URL selects production and then requires an encryption key", () => {
    expect(() => loadServerConfig({ DATABASE_URL: "postgres://db/x" })).toThrow(/TERRAPOD_ENCRYPTION_KEY/);
    const c = loadServerConfig({ DATABASE_URL: "postgres://db/x", TERRAPOD_ENCRYPTION_KEY: "k" });
    expect(c.mode).toBe("production");
    expect(c.db).toEqual({ kind: "postgres", url: "postgres://db/x", maxConnections: 10 });
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
