import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, isLoopbackUrl, loadRunnerConfig } from "./config.ts";

const base = {
  TERRAPOD_RUNNER_SERVER_URL: "https://terrapod.example.com/base/",
  TERRAPOD_RUNNER_TOKEN: "tok",
  TERRAPOD_BINARY_DIR: "/opt/engines",
  PATH: "/usr/bin:/bin",
};

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function problems(env: Record<string, string | undefined>, readStdin?: () => string): string {
  try {
    loadRunnerConfig(env, readStdin);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadRunnerConfig", () => {
  test("reads a complete configuration with defaults", () => {
    const config = loadRunnerConfig(base);
    expect(config.serverUrl.href).toBe("https://terrapod.example.com/base/");
    expect(config.token).toBe("tok");
    expect(config.binaryDir).toBe("/opt/engines");
    expect(config.workDir).toBe(tmpdir());
    expect(config.graceSeconds).toBe(30);
    expect(config.insecureTls).toBe(false);
    expect(config.enginePath).toBe("/usr/bin:/bin");
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("reads the optional settings", () => {
    const config = loadRunnerConfig({
      ...base,
      TERRAPOD_RUNNER_SERVER_URL: "https://127.0.0.1:8443",
      TERRAPOD_RUNNER_INSECURE_LOOPBACK: "1",
      TERRAPOD_RUNNER_GRACE_SECONDS: "5",
      TERRAPOD_RUNNER_WORK_DIR: "/var/tmp/jobs",
    });
    expect(config.insecureTls).toBe(true);
    expect(config.graceSeconds).toBe(5);
    expect(config.workDir).toBe("/var/tmp/jobs");
  });

  test("lists every problem at once, without the token", () => {
    const message = problems({
      TERRAPOD_RUNNER_SERVER_URL: "ftp://x",
      TERRAPOD_RUNNER_GRACE_SECONDS: "soon",
    });
    expect(message).toContain("TERRAPOD_RUNNER_SERVER_URL");
    expect(message).toContain("TERRAPOD_RUNNER_TOKEN");
    expect(message).toContain("TERRAPOD_BINARY_DIR");
    expect(message).toContain("TERRAPOD_RUNNER_GRACE_SECONDS");
    expect(message.split("\n")).toHaveLength(1);
    expect(problems({ ...base, TERRAPOD_BINARY_DIR: "" })).not.toContain("tok");
  });

  test("refuses insecure TLS for a server that is not on loopback", () => {
    expect(problems({ ...base, TERRAPOD_RUNNER_INSECURE_LOOPBACK: "1" })).toContain(
      "only allowed for a loopback server URL",
    );
  });

  test("refuses a relative binary directory", () => {
    expect(problems({ ...base, TERRAPOD_BINARY_DIR: "bin" })).toContain("must be an absolute path");
  });

  test("reads the token from a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "terrapod-config-"));
    dirs.push(dir);
    await writeFile(join(dir, "token"), "from-file\n");
    const { TERRAPOD_RUNNER_TOKEN: _unused, ...rest } = base;
    expect(loadRunnerConfig({ ...rest, TERRAPOD_RUNNER_TOKEN_FILE: join(dir, "token") }).token).toBe(
      "from-file",
    );
    expect(problems({ ...base, TERRAPOD_RUNNER_TOKEN_FILE: join(dir, "token") })).toContain("both set");
    expect(problems({ ...rest, TERRAPOD_RUNNER_TOKEN_FILE: join(dir, "missing") })).toContain("ENOENT");
  });

  test("reads the token from the first line of standard input, only when told to", () => {
    const { TERRAPOD_RUNNER_TOKEN: _unused, ...rest } = base;
    const stdin = { TERRAPOD_RUNNER_TOKEN_STDIN: "1" };
    expect(loadRunnerConfig({ ...rest, ...stdin }, () => "from-stdin\nignored\n").token).toBe("from-stdin");
    expect(() => loadRunnerConfig(rest, () => "from-stdin\n")).toThrow("TERRAPOD_RUNNER_TOKEN");
    const failing = () => {
      throw Object.assign(new Error("closed"), { code: "EBADF" });
    };
    expect(problems({ ...rest, ...stdin }, failing)).toContain("cannot read standard input (EBADF)");
    expect(problems({ ...rest, ...stdin }, () => "\n")).toContain("no token on standard input");
    expect(problems({ ...base, ...stdin }, () => "x\n")).toContain("both set");
  });

  test.each([
    ["http://127.0.0.1:8080", true],
    ["https://localhost/x", true],
    ["https://[::1]:9/", true],
    ["https://127.0.0.2/", false],
    ["https://terrapod.local/", false],
  ])("%s is loopback: %p", (url, expected) => {
    expect(isLoopbackUrl(new URL(url))).toBe(expected);
  });
});
