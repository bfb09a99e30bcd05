import { describe, expect, test } from "bun:test";
import {
  classify,
  type Expectation,
  failureDetail,
  formatExpectations,
  judge,
  parseExpectations,
  runPool,
  type TestResult,
  updatedExpectations,
} from "./go-tfe-results.ts";

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
