/**
 * go-tfe conformance, the pure parts: the expectation file (`e2e/go-tfe/expectations.txt`), running one
 * top-level test of go-tfe's test binary and classifying its `-test.v` output, the bounded pool, and the
 * comparison with the expectations. The measured traffic is in `go-tfe-results-traffic.ts`, the markdown
 * report in `go-tfe-results-report.ts`, the run itself (server, clients, phases) in `conformance.ts`.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Traffic } from "./go-tfe-results-traffic.ts";

// ---------------------------------------------------------------------------------------------------
// expectations

export type Expectation =
  | { readonly test: string; readonly status: "pass" }
  | { readonly test: string; readonly status: "not-yet"; readonly reason: string };

export type ExpectationFile = {
  /** go-tfe version the file was written for ("1.111.2"). */
  readonly goTfeVersion: string | undefined;
  readonly entries: ReadonlyMap<string, Expectation>;
};

const headerVersion = /^#\s*go-tfe\s+v?(\d+\.\d+\.\d+)/m;

/** Parses `Name pass` / `Name not-yet: reason` lines; `#` starts a comment line. */
export function parseExpectations(text: string): ExpectationFile {
  const entries = new Map<string, Expectation>();
  const problems: string[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(Test\w*)\s+(pass|not-yet:\s*(.*))$/.exec(line);
    if (!m?.[1]) {
      problems.push(
        `line ${index + 1}: expected "TestName pass" or "TestName not-yet: reason", got: ${line}`,
      );
      return;
    }
    const test = m[1];
    if (entries.has(test)) problems.push(`line ${index + 1}: ${test} is listed twice`);
    if (m[2] === "pass") entries.set(test, { test, status: "pass" });
    else {
      const reason = (m[3] ?? "").trim();
      if (reason === "") problems.push(`line ${index + 1}: ${test} is not-yet without a reason`);
      entries.set(test, { test, status: "not-yet", reason });
    }
  });
  if (problems.length > 0) throw new Error(`invalid expectation file:\n${problems.join("\n")}`);
  return { goTfeVersion: headerVersion.exec(text)?.[1], entries };
}

export function formatExpectations(goTfeVersion: string, entries: Iterable<Expectation>): string {
  const sorted = [...entries].sort((a, b) => a.test.localeCompare(b.test));
  const passing = sorted.filter((e) => e.status === "pass").length;
  const lines = [
    `# go-tfe v${goTfeVersion}: expected outcome of every top-level test against Terrapod.`,
    "#",
    "#   TestName pass              must pass; `bun scripts/conformance.ts` fails when it does not",
    "#   TestName not-yet: reason   not expected to pass yet (which feature is missing, or why it skips);",
    "#                              probed and reported, never failing the run",
    "#",
    "# Tighten after a run with `bun scripts/conformance.ts --update` (promotes not-yet tests that passed,",
    "# adds and removes tests when go-tfe changes); see docs/testing-real-clients.md.",
    `# ${passing} of ${sorted.length} tests expected to pass.`,
    "",
  ];
  for (const e of sorted)
    lines.push(e.status === "pass" ? `${e.test} pass` : `${e.test} not-yet: ${e.reason}`);
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------------
// running go-tfe tests

export type Outcome = "pass" | "fail" | "skip" | "timeout" | "crash" | "not-probed";

export type TestResult = {
  readonly test: string;
  readonly outcome: Outcome;
  readonly durationMs: number;
  /** Short reason: the first assertion that failed, the panic, the skip message. */
  readonly detail: string;
  readonly subtests: { readonly passed: number; readonly failed: number; readonly skipped: number };
  /** Full output of the test process. */
  readonly log: string;
};

export type GoTfe = {
  /** The test binary (`go test -c`). */
  readonly binary: string;
  /** A writable copy of the module source: the working directory (test-fixtures/ live there). */
  readonly srcDir: string;
  readonly version: string;
};

/** Top-level test names, as `-test.list` prints them. */
export async function listGoTfeTests(goTfe: GoTfe): Promise<string[]> {
  const child = Bun.spawn({
    cmd: [goTfe.binary, "-test.list", ".*"],
    cwd: goTfe.srcDir,
    env: { PATH: "/usr/bin:/bin", HOME: goTfe.srcDir },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`${goTfe.binary} -test.list exited ${code}: ${err}`);
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^Test\w+$/.test(l));
}

export type RunTestOptions = {
  readonly goTfe: GoTfe;
  readonly test: string;
  /** The whole environment of the test process. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** -test.parallel inside the process (subtests marked parallel). */
  readonly parallel: number;
};

/** Runs one top-level test in its own process and classifies the outcome. */
export async function runGoTfeTest(options: RunTestOptions): Promise<TestResult> {
  const started = Date.now();
  const seconds = Math.max(1, Math.round(options.timeoutMs / 1000));
  const child = Bun.spawn({
    cmd: [
      options.goTfe.binary,
      "-test.run",
      `^${options.test}$`,
      "-test.v",
      "-test.count",
      "1",
      "-test.timeout",
      `${seconds}s`,
      "-test.parallel",
      `${options.parallel}`,
    ],
    cwd: options.goTfe.srcDir,
    env: { ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  // The binary panics at its own -test.timeout; this is the backstop if it hangs anyway.
  let killed = false;
  const backstop = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, options.timeoutMs + 15_000);
  const [, out, err] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearTimeout(backstop);
  const log = `${out}${err ? `\n--- stderr\n${err}` : ""}`;
  return classify(options.test, log, Date.now() - started, killed);
}

const topLevelResult = (test: string) => new RegExp(`^--- (PASS|FAIL|SKIP): ${test} \\(([\\d.]+)s\\)`, "m");

/** Reads a `-test.v` log of one top-level test. Exported for its unit test. */
export function classify(test: string, log: string, wallMs: number, killed = false): TestResult {
  const subtests = { passed: 0, failed: 0, skipped: 0 };
  for (const m of log.matchAll(/^\s+--- (PASS|FAIL|SKIP): \S+/gm)) {
    if (m[1] === "PASS") subtests.passed++;
    else if (m[1] === "FAIL") subtests.failed++;
    else subtests.skipped++;
  }
  const base = { test, subtests, log };
  if (killed || /^panic: test timed out after/m.test(log)) {
    return { ...base, outcome: "timeout", durationMs: wallMs, detail: `timed out; ${failureDetail(log)}` };
  }
  const result = topLevelResult(test).exec(log);
  const panic = /^panic: (.*)$/m.exec(log);
  if (panic && result?.[1] !== "PASS") {
    return {
      ...base,
      outcome: "crash",
      durationMs: wallMs,
      detail: `panic: ${panic[1]} ${panicSite(log)}`.trim(),
    };
  }
  if (!result) {
    const tail = log.trim().split("\n").slice(-3).join(" | ");
    return { ...base, outcome: "crash", durationMs: wallMs, detail: `no result line; ${tail}`.slice(0, 300) };
  }
  const durationMs = Math.round(Number(result[2]) * 1000);
  if (result[1] === "PASS") {
    // go-tfe reports a test whose subtests all skipped as passed; it exercised nothing.
    if (subtests.passed === 0 && subtests.failed === 0 && subtests.skipped > 0) {
      return { ...base, outcome: "skip", durationMs, detail: `all subtests skipped: ${skipDetail(log)}` };
    }
    return { ...base, outcome: "pass", durationMs, detail: "" };
  }
  if (result[1] === "SKIP") return { ...base, outcome: "skip", durationMs, detail: skipDetail(log) };
  return { ...base, outcome: "fail", durationMs, detail: failureDetail(log) };
}

function clip(text: string, max = 240): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** The first go-tfe test file line of a panic's stack. */
function panicSite(log: string): string {
  const m = /\/([a-z_]+_test\.go:\d+)/.exec(log.slice(log.indexOf("panic:")));
  return m ? `(at ${m[1]})` : "";
}

function skipDetail(log: string): string {
  const m = /^\s+\S+_test\.go:\d+: (.*)$/m.exec(log);
  return clip(m?.[1] ?? "skipped");
}

/**
 * The first failed assertion: testify's `Error:` block (with its `Test:` name), else the first
 * `file_test.go:N: message` line of a failing (sub)test.
 */
export function failureDetail(log: string): string {
  const lines = log.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s+Error:\s+(.*)$/.exec(lines[i] ?? "");
    if (!m) continue;
    const parts = [m[1] ?? ""];
    let test = "";
    for (let j = i + 1; j < lines.length && j < i + 12; j++) {
      const line = lines[j] ?? "";
      const label = /^\s+(Test|Messages|Error Trace):\s+(.*)$/.exec(line);
      if (label) {
        if (label[1] === "Test") test = label[2] ?? "";
        if (label[1] === "Messages") parts.push(label[2] ?? "");
        if (label[1] === "Test") break;
        continue;
      }
      if (/^\s{4,}\S/.test(line) && !/^\s+--- /.test(line) && !/^\s+\S+_test\.go:\d+:/.test(line)) {
        parts.push(line.trim());
      } else break;
    }
    return clip(`${test ? `${test}: ` : ""}${parts.join(" ")}`);
  }
  const fatal = /^\s+(\S+_test\.go:\d+): (.+)$/m.exec(log);
  if (fatal) return clip(`${fatal[1]}: ${fatal[2]}`);
  const failed = /^\s*--- FAIL: (\S+)/m.exec(log);
  return clip(failed ? `${failed[1]} failed` : "failed");
}

// ---------------------------------------------------------------------------------------------------
// pool

/** Runs `work` over `items`, `concurrency` at a time, not starting new items after `deadline`. */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<{ done: Map<T, R>; notStarted: T[] }> {
  const done = new Map<T, R>();
  const queue = [...items];
  const worker = async () => {
    for (;;) {
      if (Date.now() >= deadline) return;
      const item = queue.shift();
      if (item === undefined) return;
      done.set(item, await work(item));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { done, notStarted: queue };
}

// ---------------------------------------------------------------------------------------------------
// comparison

export type Verdict =
  | "ok" // expected pass, passed
  | "regression" // expected pass, did not pass
  | "tighten" // expected not-yet, passed
  | "not-yet" // expected not-yet, did not pass
  | "not-probed"
  | "unlisted"; // not in the file

export type Row = {
  readonly expectation: Expectation | undefined;
  readonly result: TestResult;
  readonly verdict: Verdict;
  /** Where go-tfe defines the test, and whether it talks to the server (static: the fallback). */
  readonly source: TestSource | undefined;
  /** What the test measurably did to the server; undefined when not measured (not run, or measuring failed). */
  readonly traffic?: Traffic | undefined;
};

/**
 * Static guess, the fallback when the traffic could not be measured: a test that builds a go-tfe client
 * for TFE_ADDRESS talks to the server; the others are offline.
 */
export type TestSource = { readonly file: string; readonly usesServer: boolean };

/** Test name → defining file, and whether its body calls `testClient` / `testAdminClient`. */
export async function testSources(srcDir: string): Promise<Map<string, TestSource>> {
  const map = new Map<string, TestSource>();
  for (const file of await readdir(srcDir)) {
    if (!file.endsWith("_test.go")) continue;
    const text = await readFile(join(srcDir, file), "utf8");
    const starts = [...text.matchAll(/^func (Test\w*)\(t \*testing\.T\)/gm)];
    starts.forEach((m, i) => {
      if (!m[1]) return;
      const body = text.slice(m.index, starts[i + 1]?.index ?? text.length);
      map.set(m[1], { file, usesServer: /\btest(Admin)?Client\(t\b/.test(body) });
    });
  }
  return map;
}

export function judge(expectation: Expectation | undefined, result: TestResult): Verdict {
  if (!expectation) return "unlisted";
  if (result.outcome === "not-probed") return "not-probed";
  if (expectation.status === "pass") return result.outcome === "pass" ? "ok" : "regression";
  return result.outcome === "pass" ? "tighten" : "not-yet";
}

export function notProbed(test: string): TestResult {
  return {
    test,
    outcome: "not-probed",
    durationMs: 0,
    detail: "probe time budget used up",
    subtests: { passed: 0, failed: 0, skipped: 0 },
    log: "",
  };
}

/**
 * The expectation file after a run: not-yet tests that passed become `pass`, new tests are added
 * (pass if they passed, else not-yet with the observed reason), tests go-tfe no longer has are
 * dropped. `pass` tests that failed stay `pass` unless `acceptFailures` (then they are demoted).
 */
export function updatedExpectations(
  current: ReadonlyMap<string, Expectation>,
  allTests: readonly string[],
  results: ReadonlyMap<string, TestResult>,
  acceptFailures: boolean,
): Expectation[] {
  return allTests.map((test): Expectation => {
    const old = current.get(test);
    const result = results.get(test);
    if (!result || result.outcome === "not-probed") {
      return old ?? { test, status: "not-yet", reason: "new in this go-tfe version; not run yet" };
    }
    if (result.outcome === "pass") return { test, status: "pass" };
    if (old?.status === "pass" && !acceptFailures) return old;
    if (old?.status === "not-yet" && !old.reason.startsWith("observed:")) return old;
    return { test, status: "not-yet", reason: observedReason(result) };
  });
}

export function observedReason(result: TestResult): string {
  const what = result.outcome === "skip" ? "skipped" : result.outcome;
  return clip(`observed: ${what}: ${result.detail}`, 200);
}

// ---------------------------------------------------------------------------------------------------
// files

export async function readExpectations(path: string): Promise<ExpectationFile> {
  if (!existsSync(path)) return { goTfeVersion: undefined, entries: new Map() };
  return parseExpectations(await readFile(path, "utf8"));
}

export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, text);
}
