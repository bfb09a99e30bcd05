import { describe, expect, test } from "bun:test";
import { serverHosts } from "./runner-api.ts";

describe("the hosts the engine's run token is for", () => {
  test("a loopback runner URL: the host it used and its loopback aliases", () => {
    expect(serverHosts("https://127.0.0.1:8443/api/runner/v1/job", undefined)).toEqual([
      "127.0.0.1:8443",
      "localhost:8443",
    ]);
    expect(serverHosts("http://[::1]:8080/api/runner/v1/job", undefined)).toEqual([
      "localhost:8080",
      "127.0.0.1:8080",
    ]);
  });

  test("the public URL's host comes first; a default port is left out, as the CLIs compare hosts", () => {
    expect(
      serverHosts("https://terrapod.internal/api/runner/v1/job", new URL("https://tp.example.com:443/")),
    ).toEqual(["tp.example.com", "terrapod.internal"]);
  });
});
