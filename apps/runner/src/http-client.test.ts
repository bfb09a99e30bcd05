import { describe, expect, test } from "bun:test";
import { type JobSpec, runnerPaths } from "@terrapod/runner-protocol";
import { createRunnerClient, isRetryable, ServerResponseError } from "./http-client.ts";

type Call = { url: string; method: string; headers: Record<string, string>; body: string; tls: unknown };

function fakeFetch(respond: (call: Call) => Response) {
  const calls: Call[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit & { tls?: unknown }) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = init?.body === undefined || init.body === null ? "" : await new Response(init.body).text();
    const call = { url: String(input), method: init?.method ?? "GET", headers, body, tls: init?.tls };
    calls.push(call);
    return respond(call);
  };
  return { calls, fetch: impl as typeof fetch };
}

const job: JobSpec = {
  version: 1,
  runId: "run-1",
  phase: "plan",
  attempt: 1,
  workspace: { id: "ws-1", name: "w", organization: "o", workingDirectory: "" },
  engine: "tofu",
  engineVersion: "1.12.6",
  operation: {
    isDestroy: false,
    refresh: true,
    refreshOnly: false,
    targetAddrs: [],
    replaceAddrs: [],
    allowEmptyApply: false,
    planOnly: false,
  },
  variables: [],
  heartbeatIntervalSeconds: 10,
};

describe("createRunnerClient", () => {
  test("sends the token on every call, below the server URL's path", async () => {
    const f = fakeFetch((call) =>
      call.url.endsWith(runnerPaths.job)
        ? Response.json(job)
        : Response.json({ version: 1, cancel: true, force: false }),
    );
    const client = createRunnerClient({
      serverUrl: new URL("https://srv.example/prefix/"),
      token: "secret-token",
      insecureTls: false,
      fetch: f.fetch,
    });
    expect(await client.getJob()).toEqual(job);
    expect(await client.heartbeat()).toEqual({ version: 1, cancel: true, force: false });
    expect(f.calls.map((c) => c.url)).toEqual([
      `https://srv.example/prefix${runnerPaths.job}`,
      `https://srv.example/prefix${runnerPaths.heartbeat}`,
    ]);
    for (const call of f.calls) {
      expect(call.headers.authorization).toBe("Bearer secret-token");
      expect(call.tls).toBeUndefined();
    }
    expect(JSON.parse(f.calls[1]?.body ?? "")).toEqual({ version: 1 });
  });

  test("logs carry their offset; results are validated before sending", async () => {
    const f = fakeFetch(() => new Response(null, { status: 204 }));
    const client = createRunnerClient({
      serverUrl: new URL("http://127.0.0.1:1"),
      token: "t",
      insecureTls: true,
      fetch: f.fetch,
    });
    await client.sendLogs(1234, new TextEncoder().encode("line\n"));
    expect(f.calls[0]?.headers["x-log-offset"]).toBe("1234");
    expect(f.calls[0]?.body).toBe("line\n");
    expect(f.calls[0]?.tls).toEqual({ rejectUnauthorized: false });
    await client.sendResult({ version: 1, status: "errored", errorMessage: "boom" });
    expect(JSON.parse(f.calls[1]?.body ?? "")).toEqual({
      version: 1,
      status: "errored",
      errorMessage: "boom",
    });
    await expect(
      client.sendResult({ version: 1, status: "errored", errorMessage: "x".repeat(5000) }),
    ).rejects.toThrow();
  });

  test("204 state and 404 artifacts mean none", async () => {
    const f = fakeFetch((call) =>
      call.url.endsWith(runnerPaths.state)
        ? new Response(null, { status: 204 })
        : new Response("nope", { status: 404 }),
    );
    const client = createRunnerClient({
      serverUrl: new URL("http://s"),
      token: "t",
      insecureTls: false,
      fetch: f.fetch,
    });
    expect(await client.getState()).toBeUndefined();
    expect(await client.getArtifact("lock-file")).toBeUndefined();
  });

  test("other statuses are errors that say whether to retry", async () => {
    let status = 503;
    const f = fakeFetch(() => new Response("detail text", { status }));
    const client = createRunnerClient({
      serverUrl: new URL("http://s"),
      token: "t",
      insecureTls: false,
      fetch: f.fetch,
    });
    const err = await client.putState(new Uint8Array([1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerResponseError);
    expect(String(err)).toContain("uploading the state: server answered 503 (detail text)");
    expect(isRetryable(err)).toBe(true);
    status = 409;
    expect(isRetryable(await client.putState(new Uint8Array([1])).catch((e: unknown) => e))).toBe(false);
    status = 429;
    expect(isRetryable(await client.putState(new Uint8Array([1])).catch((e: unknown) => e))).toBe(true);
    expect(isRetryable(new TypeError("fetch failed"))).toBe(true);
    expect(isRetryable(new SyntaxError("bad json"))).toBe(false);
  });
});
