import { describe, expect, test } from "bun:test";
import {
  classify,
  type Expectation,
  failureDetail,
  formatExpectations,
  judge,
  parseExpectations,
  type Row,
  runPool,
  type TestResult,
  updatedExpectations,
} from "./go-tfe-results.ts";
import { classCell, renderReport, rowClass } from "./go-tfe-results-report.ts";
import {
  attributeRequests,
  type Connection,
  classifyTraffic,
  isFeatureRequest,
  measureTraffic,
  parseAccessLog,
  type Traffic,
} from "./go-tfe-results-traffic.ts";

const noSubtests = { passed: 0, failed: 0, skipped: 0 };
const result = (test: string, outcome: TestResult["outcome"], detail = ""): TestResult => ({
  test,
  outcome,
  durationMs: 10,
  detail,
  subtests: noSubtests,
  log: "",
});

describe("expectation file", () => {
  test("parses pass and not-yet lines, comments and the go-tfe version", () => {
    const file = parseExpectations(
      "# go-tfe v1.111.2: expected outcome\n\nTestA pass\nTestB not-yet: runs (being implemented)\n",
    );
    expect(file.goTfeVersion).toBe("1.111.2");
    expect([...file.entries.values()]).toEqual([
      { test: "TestA", status: "pass" },
      { test: "TestB", status: "not-yet", reason: "runs (being implemented)" },
    ]);
  });

  test("rejects unknown statuses, duplicates and reasonless not-yet lines, naming the lines", () => {
    expect(() => parseExpectations("TestA passes\n")).toThrow(/line 1: expected/);
    expect(() => parseExpectations("TestA pass\nTestA pass\n")).toThrow(/line 2: TestA is listed twice/);
    expect(() => parseExpectations("TestA not-yet:\n")).toThrow(/line 1: TestA is not-yet without a reason/);
  });

  test("formats sorted entries that parse back to the same expectations", () => {
    const entries: Expectation[] = [
      { test: "TestZ", status: "not-yet", reason: "teams" },
      { test: "TestA", status: "pass" },
    ];
    const text = formatExpectations("1.2.3", entries);
    expect(text.indexOf("TestA pass")).toBeLessThan(text.indexOf("TestZ not-yet: teams"));
    expect(text).toContain("# 1 of 2 tests expected to pass.");
    const parsed = parseExpectations(text);
    expect(parsed.goTfeVersion).toBe("1.2.3");
    expect([...parsed.entries.values()].sort((a, b) => a.test.localeCompare(b.test))).toEqual(
      [...entries].sort((a, b) => a.test.localeCompare(b.test)),
    );
  });
});

describe("classify", () => {
  test("a passing test with passing subtests", () => {
    const log = [
      "=== RUN   TestX",
      "=== RUN   TestX/one",
      "--- PASS: TestX (1.50s)",
      "    --- PASS: TestX/one (0.20s)",
      "PASS",
    ].join("\n");
    const r = classify("TestX", log, 2000);
    expect(r.outcome).toBe("pass");
    expect(r.durationMs).toBe(1500);
    expect(r.subtests).toEqual({ passed: 1, failed: 0, skipped: 0 });
  });

  test("a failing testify assertion gives the subtest and the message", () => {
    const log = [
      "=== RUN   TestX",
      "    x_integration_test.go:12: ",
      "        \tError Trace:\t/src/x_integration_test.go:12",
      "        \tError:      \tReceived unexpected error:",
      "        \t            \tresource not found",
      "        \tTest:       \tTestX/with_options",
      "--- FAIL: TestX (0.10s)",
      "    --- FAIL: TestX/with_options (0.01s)",
      "    --- PASS: TestX/other (0.01s)",
      "FAIL",
    ].join("\n");
    const r = classify("TestX", log, 200);
    expect(r.outcome).toBe("fail");
    expect(r.detail).toBe("TestX/with_options: Received unexpected error: resource not found");
    expect(r.subtests).toEqual({ passed: 1, failed: 1, skipped: 0 });
  });

  test("a t.Fatal line is the detail when there is no testify block", () => {
    expect(failureDetail("    helper_test.go:2504: invalid attribute\n--- FAIL: TestX (0.1s)")).toBe(
      "helper_test.go:2504: invalid attribute",
    );
  });

  test("a skipped test keeps go-tfe's skip message", () => {
    const log = "=== RUN   TestX\n    x_test.go:9: Set ENABLE_TFE=1 to run.\n--- SKIP: TestX (0.00s)\n";
    expect(classify("TestX", log, 5)).toMatchObject({ outcome: "skip", detail: "Set ENABLE_TFE=1 to run." });
  });

  test("a pass whose subtests all skipped counts as a skip", () => {
    const log = [
      "=== RUN   TestX",
      "    x_test.go:9: Export a valid OAUTH_CLIENT_GITHUB_TOKEN",
      "--- PASS: TestX (0.00s)",
      "    --- SKIP: TestX/a (0.00s)",
      "    --- SKIP: TestX/b (0.00s)",
    ].join("\n");
    expect(classify("TestX", log, 5)).toMatchObject({
      outcome: "skip",
      detail: "all subtests skipped: Export a valid OAUTH_CLIENT_GITHUB_TOKEN",
    });
  });

  test("a panic is a crash that names the test file line", () => {
    const log = [
      "=== RUN   TestX",
      "--- FAIL: TestX (0.05s)",
      "panic: runtime error: invalid memory address or nil pointer dereference [recovered]",
      "github.com/hashicorp/go-tfe.TestX.func4(0x1)",
      "\t/build/go-tfe/workspace_integration_test.go:694 +0x92",
    ].join("\n");
    const r = classify("TestX", log, 60);
    expect(r.outcome).toBe("crash");
    expect(r.detail).toContain("nil pointer dereference");
    expect(r.detail).toContain("(at workspace_integration_test.go:694)");
  });

  test("the binary's own timeout, and the backstop kill, are timeouts", () => {
    const log = "=== RUN   TestX\npanic: test timed out after 30s\n\trunning tests:\n\t\tTestX (30s)\n";
    expect(classify("TestX", log, 30_000).outcome).toBe("timeout");
    expect(classify("TestX", "=== RUN   TestX\n", 45_000, true).outcome).toBe("timeout");
  });

  test("no result line for the test is a crash, not a pass", () => {
    const r = classify("TestX", "=== RUN   TestX\n--- PASS: TestXY (0.1s)\nsignal: killed\n", 100);
    expect(r.outcome).toBe("crash");
    expect(r.detail).toContain("no result line");
  });
});

describe("judge and update", () => {
  const pass: Expectation = { test: "TestA", status: "pass" };
  const notYet: Expectation = { test: "TestA", status: "not-yet", reason: "runs" };

  test("verdicts", () => {
    expect(judge(pass, result("TestA", "pass"))).toBe("ok");
    expect(judge(pass, result("TestA", "skip"))).toBe("regression");
    expect(judge(pass, result("TestA", "crash"))).toBe("regression");
    expect(judge(notYet, result("TestA", "pass"))).toBe("tighten");
    expect(judge(notYet, result("TestA", "fail"))).toBe("not-yet");
    expect(judge(notYet, result("TestA", "not-probed"))).toBe("not-probed");
    expect(judge(undefined, result("TestA", "pass"))).toBe("unlisted");
  });

  test("update promotes passes, keeps written reasons, adds new tests and drops removed ones", () => {
    const current = new Map<string, Expectation>([
      ["TestPromoted", { test: "TestPromoted", status: "not-yet", reason: "runs" }],
      ["TestKeptReason", { test: "TestKeptReason", status: "not-yet", reason: "teams API" }],
      ["TestRegressed", { test: "TestRegressed", status: "pass" }],
      ["TestGone", { test: "TestGone", status: "pass" }],
    ]);
    const results = new Map<string, TestResult>([
      ["TestPromoted", result("TestPromoted", "pass")],
      ["TestKeptReason", result("TestKeptReason", "fail", "resource not found")],
      ["TestRegressed", result("TestRegressed", "fail", "boom")],
      ["TestNew", result("TestNew", "skip", "needs GitHub")],
    ]);
    const all = ["TestPromoted", "TestKeptReason", "TestRegressed", "TestNew"];
    expect(updatedExpectations(current, all, results, false)).toEqual([
      { test: "TestPromoted", status: "pass" },
      { test: "TestKeptReason", status: "not-yet", reason: "teams API" },
      { test: "TestRegressed", status: "pass" },
      { test: "TestNew", status: "not-yet", reason: "observed: skipped: needs GitHub" },
    ]);
    expect(updatedExpectations(current, all, results, true)[2]).toEqual({
      test: "TestRegressed",
      status: "not-yet",
      reason: "observed: fail: boom",
    });
  });
});

describe("runPool", () => {
  test("runs at most `concurrency` items at once and all of them", async () => {
    let running = 0;
    let peak = 0;
    const { done, notStarted } = await runPool([1, 2, 3, 4, 5], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await Bun.sleep(5);
      running--;
      return n * 2;
    });
    expect(peak).toBe(2);
    expect([...done.values()].sort((a, b) => a - b)).toEqual([2, 4, 6, 8, 10]);
    expect(notStarted).toEqual([]);
  });

  test("starts nothing new after the deadline and returns what was left", async () => {
    const { done, notStarted } = await runPool(
      [1, 2, 3],
      1,
      async (n) => {
        await Bun.sleep(30);
        return n;
      },
      Date.now() + 10,
    );
    expect([...done.keys()]).toEqual([1]);
    expect(notStarted).toEqual([2, 3]);
  });
});

// ---------------------------------------------------------------------------------------------------
// measured traffic: the join of forwarder connections with the access log, the classes, the report

const logLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: "info", service: "terrapod-server", msg: "request", ...fields });
const entry = (clientPort: number, time: number, route: string, method = "GET", status = 200, ms = 0) => ({
  time,
  ms,
  clientPort,
  method,
  route,
  status,
});

describe("access log", () => {
  test("reads request lines with a client port and skips everything else", () => {
    const text = [
      logLine({
        time: "2026-01-01T00:00:01.000Z",
        method: "GET",
        route: "/api/v2/ping",
        status: 204,
        ms: 2,
        clientPort: 40001,
      }),
      logLine({ time: "2026-01-01T00:00:02.000Z", method: "GET", route: "unmatched", status: 404, ms: 1 }),
      JSON.stringify({ level: "info", time: "2026-01-01T00:00:03.000Z", msg: "listening", port: 1 }),
      "not json at all",
      logLine({
        time: "2026-01-01T00:00:04.500Z",
        method: "POST",
        route: "/api/v2/organizations",
        status: 201,
        ms: 30,
        clientPort: 40002,
      }),
    ].join("\n");
    expect(parseAccessLog(text)).toEqual([
      {
        time: Date.parse("2026-01-01T00:00:01.000Z"),
        ms: 2,
        clientPort: 40001,
        method: "GET",
        route: "/api/v2/ping",
        status: 204,
      },
      {
        time: Date.parse("2026-01-01T00:00:04.500Z"),
        ms: 30,
        clientPort: 40002,
        method: "POST",
        route: "/api/v2/organizations",
        status: 201,
      },
    ]);
  });
});

describe("attributing requests to tests", () => {
  test("joins on the client port while the connection was open; a reused port goes to the connection of its time", () => {
    const connections = new Map<string, Connection[]>([
      ["TestA", [{ upstreamPort: 5000, openedAt: 1_000, closedAt: 2_000 }]],
      [
        "TestB",
        [
          { upstreamPort: 5000, openedAt: 10_000, closedAt: 12_000 },
          { upstreamPort: 5001, openedAt: 10_000, closedAt: 12_000 },
        ],
      ],
      ["TestOffline", []],
      ["TestNeverConnected", [{ upstreamPort: undefined, openedAt: 1_000, closedAt: 1_001 }]],
    ]);
    const entries = [
      entry(5000, 1_500, "/api/v2/ping"),
      entry(5000, 11_000, "/api/v2/organizations"),
      entry(5001, 11_500, "unmatched", "GET", 404),
      // arrived (time - ms) while TestB's connection on 5000 was open, logged after it closed
      entry(5000, 14_000, "/api/v2/runs/:id", "GET", 200, 3_000),
      // the same port long after both connections: a runner's own connection
      entry(5000, 60_000, "/api/v2/ping"),
      entry(7777, 1_500, "/api/v2/ping"),
    ];
    const { byTest, unattributed } = attributeRequests(connections, entries);
    expect(byTest.get("TestA")?.map((e) => e.route)).toEqual(["/api/v2/ping"]);
    expect(byTest.get("TestB")?.map((e) => e.route)).toEqual([
      "/api/v2/organizations",
      "unmatched",
      "/api/v2/runs/:id",
    ]);
    expect(byTest.get("TestOffline")).toEqual([]);
    expect(byTest.get("TestNeverConnected")).toEqual([]);
    expect(unattributed.map((e) => e.time)).toEqual([60_000, 1_500]);
  });

  test("of overlapping candidates on one port, the connection opened last before the request wins", () => {
    const connections = new Map<string, Connection[]>([
      ["TestOld", [{ upstreamPort: 5000, openedAt: 1_000, closedAt: 5_000 }]],
      ["TestNew", [{ upstreamPort: 5000, openedAt: 5_200, closedAt: 9_000 }]],
    ]);
    const { byTest } = attributeRequests(connections, [entry(5000, 5_500, "/api/v2/organizations")]);
    expect(byTest.get("TestNew")).toHaveLength(1);
    expect(byTest.get("TestOld")).toEqual([]);
  });
});

describe("traffic classes", () => {
  test("no connection is offline", () => {
    expect(classifyTraffic(0, [])).toMatchObject({ class: "offline", connections: 0, requests: 0 });
  });

  test("only unmatched routes and the client handshake reach no feature", () => {
    const t = classifyTraffic(2, [
      entry(1, 1, "/api/v2/ping", "GET", 204),
      entry(1, 2, "unmatched", "GET", 404),
      entry(1, 3, "unmatched", "POST", 404),
    ]);
    expect(t).toMatchObject({
      class: "no-feature",
      connections: 2,
      requests: 3,
      featureRequests: 0,
      unmatched: 2,
    });
    expect(t.byRoute).toEqual({ "GET /api/v2/ping 204": 1, "GET unmatched 404": 1, "POST unmatched 404": 1 });
    // connected (e.g. a TLS handshake) without one logged request
    expect(classifyTraffic(1, []).class).toBe("no-feature");
  });

  test("one request a real route answered is exercised, whatever its status", () => {
    expect(isFeatureRequest(entry(1, 1, "/api/v2/organizations/:org", "GET", 404))).toBe(true);
    expect(isFeatureRequest(entry(1, 1, "/api/v2/organizations", "POST", 422))).toBe(true);
    expect(isFeatureRequest(entry(1, 1, "/api/v2/ping", "GET", 204))).toBe(false);
    expect(isFeatureRequest(entry(1, 1, "unmatched", "GET", 404))).toBe(false);
    const t = classifyTraffic(1, [
      entry(1, 1, "/api/v2/ping"),
      entry(1, 2, "/api/v2/organizations", "GET", 401),
    ]);
    expect(t).toMatchObject({ class: "exercised", requests: 2, featureRequests: 1 });
  });

  test("measuring fails, rather than guessing, without access-log lines while tests connected", () => {
    const connected = new Map<string, Connection[]>([
      ["TestA", [{ upstreamPort: 1, openedAt: 0, closedAt: 9 }]],
    ]);
    expect(measureTraffic(connected, undefined)).toMatchObject({ ok: false });
    const noPorts = logLine({
      time: "2026-01-01T00:00:00.005Z",
      method: "GET",
      route: "/api/v2/ping",
      status: 204,
    });
    expect(measureTraffic(connected, noPorts)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("client port"),
    });
    // only offline tests: an empty log is the truth
    const offline = measureTraffic(new Map([["TestUnit", []]]), "");
    expect(offline.ok && offline.traffic.get("TestUnit")?.class).toBe("offline");
  });

  test("measures from the log text end to end", () => {
    const at = (ms: number) => new Date(Date.parse("2026-01-01T00:00:00Z") + ms).toISOString();
    const conns = new Map<string, Connection[]>([
      [
        "TestServer",
        [
          {
            upstreamPort: 4100,
            openedAt: Date.parse("2026-01-01T00:00:00Z"),
            closedAt: Date.parse("2026-01-01T00:00:10Z"),
          },
        ],
      ],
      ["TestUnit", []],
    ]);
    const log = [
      logLine({ time: at(100), method: "GET", route: "/api/v2/ping", status: 204, ms: 1, clientPort: 4100 }),
      logLine({
        time: at(200),
        method: "GET",
        route: "/api/v2/workspaces/:id",
        status: 200,
        ms: 5,
        clientPort: 4100,
      }),
      logLine({
        time: at(300),
        method: "POST",
        route: "/api/v2/runner/jobs",
        status: 200,
        ms: 5,
        clientPort: 4999,
      }),
    ].join("\n");
    const m = measureTraffic(conns, log);
    if (!m.ok) throw new Error(m.reason);
    expect(m.requests).toBe(3);
    expect(m.unattributed).toBe(1);
    expect(m.outside).toEqual({ "POST /api/v2/runner/jobs 200": 1 });
    expect(m.traffic.get("TestServer")).toMatchObject({
      class: "exercised",
      requests: 2,
      featureRequests: 1,
    });
    expect(m.traffic.get("TestUnit")?.class).toBe("offline");
  });
});

describe("report", () => {
  const traffic = (cls: Traffic["class"], requests: number, connections = 1): Traffic => ({
    class: cls,
    connections: cls === "offline" ? 0 : connections,
    requests,
    featureRequests: cls === "exercised" ? requests - 1 : 0,
    unmatched: cls === "offline" ? 0 : 1,
    byRoute: {},
  });
  const row = (
    test: string,
    outcome: TestResult["outcome"],
    t: Traffic | undefined,
    usesServer = true,
  ): Row => {
    const expectation: Expectation =
      outcome === "pass" ? { test, status: "pass" } : { test, status: "not-yet", reason: "not built yet" };
    const r = result(test, outcome);
    return {
      expectation,
      result: r,
      verdict: judge(expectation, r),
      source: { file: "x_test.go", usesServer },
      traffic: t,
    };
  };
  const meta = {
    goTfeVersion: "1.111.2",
    backend: "embedded shape (PGlite)",
    wallMs: 90_000,
    probe: "3 of 3 probed",
    command: "scripts/test --only conformance",
  };
  const rows = [
    row("TestExercisedPass", "pass", traffic("exercised", 12, 2)),
    row("TestExercisedFail", "fail", traffic("exercised", 3)),
    row("TestNoFeaturePass", "pass", traffic("no-feature", 2)),
    row("TestNoFeatureFail", "fail", traffic("no-feature", 1)),
    row("TestOfflinePass", "pass", traffic("offline", 0), false),
    row("TestNotRun", "not-probed", undefined),
  ];

  test("counts passing exercised tests as conformance and shows the other classes apart", () => {
    const text = renderReport(rows, {
      ...meta,
      traffic: {
        measured: true,
        requests: 40,
        unattributed: 22,
        outside: { "PUT /api/runner/v1/state 200": 20, "GET /api/v2/ping 204": 2 },
      },
    });
    expect(text).toContain("**1 of 2 tests that exercised Terrapod passed**");
    expect(text).toContain("1 of 2 tests that reached no Terrapod feature passed");
    expect(text).toContain("1 of 1 offline tests passed");
    expect(text).toContain("3 of 6 top-level tests passed in all (1 not run)");
    expect(text).toContain(
      "40 requests in the server's access log, 22 of them from outside the tests (20 on the runner API",
    );
    expect(text).not.toContain("static");
    expect(text).toContain("| Test | File | Class | Expected |");
    expect(text).toContain(
      "| TestExercisedPass | x_test.go | exercised (12 req, 1 no route, 2 conn) | pass | pass |",
    );
    expect(text).toContain("| TestNoFeaturePass | x_test.go | no feature (2 req, 1 no route, 1 conn) |");
    expect(text).toContain("| TestOfflinePass | x_test.go | offline |");
    expect(text).toContain("| TestNotRun | x_test.go |  |");
  });

  test("falls back to the static classification, and says so, when measuring failed", () => {
    const unmeasured = rows.map((r) => ({ ...r, traffic: undefined }));
    const text = renderReport(unmeasured, {
      ...meta,
      traffic: { measured: false, reason: "the server log could not be read" },
    });
    expect(text).toContain("**2 of 4 tests that talk to the server passed** — by the static classification");
    expect(text).toContain("because measuring failed: the server log could not be read");
    expect(text).toContain("1 of 1 offline tests passed (no client)");
    expect(text).toContain("| TestExercisedPass | x_test.go | server (static) |");
    expect(text).not.toContain("exercised Terrapod");
  });

  test("a test whose forwarder failed is classified statically, apart from the measured ones", () => {
    const [first, ...rest] = rows;
    if (!first) throw new Error("no rows");
    const mixed = [{ ...first, traffic: undefined }, ...rest];
    const text = renderReport(mixed, {
      ...meta,
      traffic: { measured: true, requests: 10, unattributed: 0, outside: {} },
    });
    expect(text).toContain("**0 of 1 tests that exercised Terrapod passed**");
    expect(text).toContain("Not measured (their forwarder failed), by the static guess: 1 of 1 server tests");
    expect(rowClass(mixed[0] as Row)).toEqual({ measured: false, class: "server" });
    expect(classCell(mixed[0] as Row)).toBe("server (static)");
  });
});
