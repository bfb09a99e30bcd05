/**
 * The go-tfe conformance run: builds (or reuses) go-tfe's test binary, starts a Terrapod serving https
 * with a throwaway CA in a child process, runs every top-level go-tfe test in its own process against
 * it and compares the outcomes with `e2e/go-tfe/expectations.txt`; writes `docs/compatibility/go-tfe.md`.
 *
 * Honest counts: every test process reaches the server through its own loopback forwarder
 * (`conformance-forwarder.ts`); joined with the server's access log, that shows which tests exercised
 * Terrapod, which only connected, and which never did (`go-tfe-results-traffic.ts`). Only passing tests
 * that exercised Terrapod count as conformance in the report (`go-tfe-results-report.ts`).
 *
 * Bounded run time: `pass` tests run first (a few processes at a time, generous per-test timeout) and
 * must pass. `not-yet` tests are then probed with a short per-test timeout within a total budget; a
 * probe only reports (a passing not-yet test asks for the file to be tightened). Per-test processes
 * make a panicking test (go-tfe dereferences fields the server left out) cost only itself.
 *
 * Used by `bun scripts/conformance.ts` (by hand) and by the `conformance` phase of scripts/test.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { createTestCertificates } from "../../e2e/lib/tls.ts";
import { buildClients, goTfeOf, runTestEnv } from "./clients.ts";
import { type ForwardedConnection, forwardedUrl, startForwarder } from "./conformance-forwarder.ts";
import { type ServerHandle, startServer } from "./conformance-launch.ts";
import { sharedClients } from "./e2e.ts";
import {
  type Expectation,
  type ExpectationFile,
  formatExpectations,
  type GoTfe,
  judge,
  listGoTfeTests,
  notProbed,
  type Row,
  readExpectations,
  runGoTfeTest,
  runPool,
  type TestResult,
  testSources,
  updatedExpectations,
  writeText,
} from "./go-tfe-results.ts";
import { renderReport, rowClass, type TrafficNote } from "./go-tfe-results-report.ts";
import { type Measurement, measureTraffic } from "./go-tfe-results-traffic.ts";
import type { Phase, PhaseResult } from "./phases.ts";
import { repoRoot, seconds } from "./proc.ts";

export type ConformanceOptions = {
  readonly root?: string;
  /** Which Terrapod shape serves the tests. */
  readonly backend: "pglite" | "postgres";
  /** TERRAPOD_TEST_* variables of the services (postgres shape). */
  readonly servicesEnv?: Readonly<Record<string, string>>;
  readonly expectationsPath?: string;
  /** undefined: no report file (e.g. when only some tests run). */
  readonly reportPath?: string | undefined;
  /** Logs of tests that did not pass, the server log and the measured traffic (traffic.json) go here. */
  readonly logsDir?: string;
  /** Total time for probing not-yet tests; 0 skips the probe. */
  readonly probeBudgetMs: number;
  readonly passTimeoutMs?: number;
  readonly probeTimeoutMs?: number;
  /** Test processes at a time. */
  readonly concurrency?: number;
  /** Only tests whose name matches. */
  readonly only?: RegExp;
  /** Rewrite the expectation file from this run. */
  readonly update?: boolean;
  /** With update: demote `pass` tests that failed. */
  readonly acceptFailures?: boolean;
  /** build-clients.sh output (go-tfe, and the engines and provider mirror the server's runs use). */
  readonly clients?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
  /** Shown in the report as the command that produced it. */
  readonly command?: string;
};

export type ConformanceSummary = PhaseResult & {
  readonly regressions: readonly string[];
  readonly tighten: readonly string[];
  readonly passedTests: readonly string[];
};

export const defaultExpectationsPath = join(repoRoot, "e2e", "go-tfe", "expectations.txt");
export const defaultReportPath = join(repoRoot, "docs", "compatibility", "go-tfe.md");
export const defaultLogsDir = join(repoRoot, "test-results", "go-tfe");

/** Problems of the expectation file against the go-tfe binary (version, tests missing or extra). */
function expectationProblems(
  root: string,
  expectationsPath: string,
  file: ExpectationFile,
  allTests: readonly string[],
  goTfeVersion: string,
): string[] {
  const problems: string[] = [];
  if (file.goTfeVersion && file.goTfeVersion !== goTfeVersion) {
    problems.push(
      `${relative(root, expectationsPath)} is for go-tfe v${file.goTfeVersion}, the binary is v${goTfeVersion}`,
    );
  }
  const unlisted = allTests.filter((t) => !file.entries.has(t));
  const stale = [...file.entries.keys()].filter((t) => !allTests.includes(t));
  if (unlisted.length > 0)
    problems.push(`${unlisted.length} go-tfe tests are not listed: ${unlisted.slice(0, 5).join(", ")}…`);
  if (stale.length > 0)
    problems.push(`${stale.length} listed tests do not exist in go-tfe: ${stale.slice(0, 5).join(", ")}…`);
  return problems;
}

/** The environment of every go-tfe test process (TFE_ADDRESS is then set per test, to its forwarder). */
function goTfeTestEnv(server: ServerHandle, caCert: string, work: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: join(work, "home"),
    TMPDIR: work,
    TFE_ADDRESS: server.url,
    TFE_TOKEN: server.adminToken,
    SKIP_PAID: "1",
    ENABLE_BETA: "1",
    // Terrapod answers as Terraform Enterprise (TFP-AppName); go-tfe keys its TFE-vs-HCP expectations on this.
    ENABLE_TFE: "1",
    SSL_CERT_FILE: caCert,
  };
  // Tests of admin features ask for a token per admin role; Terrapod's admin token is a site admin.
  for (const role of [
    "SITE_ADMIN",
    "CONFIGURATION",
    "PROVISION_LICENSES",
    "SUBSCRIPTION",
    "SUPPORT",
    "SECURITY_MAINTENANCE",
    "VERSION_MAINTENANCE",
  ]) {
    env[`TFE_ADMIN_${role}_TOKEN`] = server.adminToken;
  }
  return env;
}

type TestRun = {
  readonly goTfe: GoTfe;
  readonly server: ServerHandle;
  readonly env: Readonly<Record<string, string>>;
  readonly file: ExpectationFile;
  readonly logsDir: string;
  readonly log: (line: string) => void;
  readonly results: Map<string, TestResult>;
  /** Per test, the connections its forwarder carried; absent when the forwarder could not start. */
  readonly connections: Map<string, ForwardedConnection[]>;
};

/** Runs one go-tfe test through its own forwarder to the server, and records result and connections. */
async function runOneTest(run: TestRun, test: string, timeoutMs: number): Promise<TestResult> {
  const target = new URL(run.server.url);
  const forwarder = await startForwarder({ host: "127.0.0.1", port: Number(target.port) }).catch(
    (err: unknown) => {
      run.log(`[conformance] ${test}: no forwarder (${String(err)}); its traffic is not measured`);
      return undefined;
    },
  );
  const env = forwarder ? { ...run.env, TFE_ADDRESS: forwardedUrl(run.server.url, forwarder.port) } : run.env;
  let result: TestResult;
  try {
    result = await runGoTfeTest({ goTfe: run.goTfe, test, env, timeoutMs, parallel: 4 });
  } finally {
    await forwarder?.close();
  }
  run.results.set(test, result);
  if (forwarder) run.connections.set(test, forwarder.connections());
  const expected = run.file.entries.get(test)?.status ?? "unlisted";
  const verdict = judge(run.file.entries.get(test), result);
  if (result.outcome !== "pass") await writeFile(join(run.logsDir, `${test}.log`), result.log);
  if (verdict === "regression" || verdict === "tighten" || verdict === "unlisted" || expected === "pass") {
    const mark = verdict === "ok" ? "ok  " : verdict.toUpperCase();
    run.log(
      `[conformance] ${mark} ${test} ${result.outcome} (${seconds(result.durationMs)})${result.detail ? ` ${result.detail}` : ""}`,
    );
  }
  return result;
}

/** The tests expected to pass, then the not-yet probe within its budget. */
async function runPhases(
  run: TestRun,
  expectedPass: readonly string[],
  probe: readonly string[],
  options: ConformanceOptions,
): Promise<void> {
  const concurrency = options.concurrency ?? 4;
  const runWith = (timeoutMs: number) => (test: string) => runOneTest(run, test, timeoutMs);
  run.log(`[conformance] ${expectedPass.length} tests expected to pass, ${concurrency} at a time`);
  const passStarted = Date.now();
  await runPool(expectedPass, concurrency, runWith(options.passTimeoutMs ?? 300_000));
  run.log(`[conformance] tests expected to pass done in ${seconds(Date.now() - passStarted)}`);
  if (options.probeBudgetMs > 0 && probe.length > 0) {
    run.log(
      `[conformance] probing ${probe.length} not-yet tests (${seconds(options.probeBudgetMs)} budget, ${seconds(options.probeTimeoutMs ?? 30_000)} per test)`,
    );
    const probeStarted = Date.now();
    const { notStarted } = await runPool(
      probe,
      concurrency,
      runWith(options.probeTimeoutMs ?? 30_000),
      Date.now() + options.probeBudgetMs,
    );
    for (const test of notStarted) run.results.set(test, notProbed(test));
    run.log(`[conformance] probe done in ${seconds(Date.now() - probeStarted)}`);
  } else {
    for (const test of probe) run.results.set(test, notProbed(test));
  }
}

/**
 * Joins the tests' connections with the server's access log; writes `traffic.json` next to the logs for
 * auditing (per test: class, request counts, requests per route, and each connection with its upstream
 * port and time window; the requests from outside the tests per route).
 */
async function measure(
  connections: ReadonlyMap<string, readonly ForwardedConnection[]>,
  serverLogPath: string,
  logsDir: string,
  log: (line: string) => void,
): Promise<Measurement> {
  const serverLog = await readFile(serverLogPath, "utf8").catch(() => undefined);
  const measurement = measureTraffic(connections, serverLog);
  if (!measurement.ok) {
    log(
      `[conformance] traffic NOT measured (${measurement.reason}); falling back to the static classification`,
    );
    return measurement;
  }
  const tests: Record<string, unknown> = {};
  for (const [test, traffic] of [...measurement.traffic].sort(([a], [b]) => a.localeCompare(b))) {
    tests[test] = { ...traffic, connections: connections.get(test) ?? [] };
  }
  const audit = { outsideTheTests: measurement.outside, tests };
  await writeFile(join(logsDir, "traffic.json"), `${JSON.stringify(audit, null, 1)}\n`);
  log(
    `[conformance] traffic: ${measurement.requests} requests in the server log, ${measurement.unattributed} from outside the tests`,
  );
  return measurement;
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceSummary> {
  const root = options.root ?? repoRoot;
  const log = options.log ?? ((line: string) => console.log(line));
  const began = Date.now();
  const expectationsPath = options.expectationsPath ?? defaultExpectationsPath;
  const logsDir = options.logsDir ?? defaultLogsDir;

  const clients = options.clients ?? (await buildClients({ log }));
  const goTfe = goTfeOf(clients);
  const allTests = await listGoTfeTests(goTfe);
  const file = await readExpectations(expectationsPath);
  const problems = expectationProblems(root, expectationsPath, file, allTests, goTfe.version);

  const selected = options.only ? allTests.filter((t) => options.only?.test(t)) : allTests;
  const expectedPass = selected.filter((t) => file.entries.get(t)?.status === "pass");
  const probe = selected.filter((t) => file.entries.get(t)?.status !== "pass");

  const work = await mkdtemp(join(tmpdir(), "terrapod-conformance-"));
  await rm(logsDir, { recursive: true, force: true });
  await mkdir(logsDir, { recursive: true });
  const serverLogPath = join(logsDir, "server.log");
  let server: ServerHandle | undefined;
  const results = new Map<string, TestResult>();
  const connections = new Map<string, ForwardedConnection[]>();
  try {
    const certs = await createTestCertificates(join(work, "certs"), "/usr/bin/openssl");
    const serverEnv: Record<string, string> = {
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: work,
      TMPDIR: work,
      TERRAPOD_TEST_BACKEND: options.backend,
      // the access log (one line per request, with the client port) is at info: it measures the tests
      TERRAPOD_LOG_LEVEL: "info",
      ...options.servicesEnv,
      // go-tfe's run tests execute real runs: engines and the null provider stand-in
      ...runTestEnv(clients),
    };
    const started = Date.now();
    server = await startServer(root, serverEnv, certs.serverCert, certs.serverKey, serverLogPath);
    log(`[conformance] Terrapod (${options.backend}) at ${server.url} in ${seconds(Date.now() - started)}`);
    await mkdir(join(work, "home"), { recursive: true });
    const env = goTfeTestEnv(server, certs.caCert, work);
    await runPhases(
      { goTfe, server, env, file, logsDir, log, results, connections },
      expectedPass,
      probe,
      options,
    );
  } finally {
    if (server) await server.stop();
    await rm(work, { recursive: true, force: true });
  }
  const measurement = await measure(connections, serverLogPath, logsDir, log);

  const sources = await testSources(goTfe.srcDir);
  const rows: Row[] = selected.map((test) => {
    const result = results.get(test) ?? notProbed(test);
    const expectation = file.entries.get(test);
    const traffic = measurement.ok ? measurement.traffic.get(test) : undefined;
    return { expectation, result, verdict: judge(expectation, result), source: sources.get(test), traffic };
  });
  const finish = { root, log, began, expectationsPath, logsDir, goTfe, allTests, file, problems, probe };
  return finishRun(rows, results, measurement, finish, options);
}

type FinishContext = {
  readonly root: string;
  readonly log: (line: string) => void;
  readonly began: number;
  readonly expectationsPath: string;
  readonly logsDir: string;
  readonly goTfe: GoTfe;
  readonly allTests: readonly string[];
  readonly file: ExpectationFile;
  readonly problems: readonly string[];
  readonly probe: readonly string[];
};

/** Report, expectation update, the closing log lines and the phase summary. */
async function finishRun(
  rows: readonly Row[],
  results: ReadonlyMap<string, TestResult>,
  measurement: Measurement,
  ctx: FinishContext,
  options: ConformanceOptions,
): Promise<ConformanceSummary> {
  const { root, log } = ctx;
  const regressions = rows.filter((r) => r.verdict === "regression").map((r) => r.result.test);
  const tighten = rows.filter((r) => r.verdict === "tighten").map((r) => r.result.test);
  const passedTests = rows.filter((r) => r.result.outcome === "pass").map((r) => r.result.test);
  const probeNote =
    options.probeBudgetMs > 0
      ? `${ctx.probe.length - rows.filter((r) => r.verdict === "not-probed").length} of ${ctx.probe.length} probed`
      : "off";
  const traffic: TrafficNote = measurement.ok
    ? {
        measured: true,
        requests: measurement.requests,
        unattributed: measurement.unattributed,
        outside: measurement.outside,
      }
    : { measured: false, reason: measurement.reason };

  if (options.reportPath) {
    await writeText(
      options.reportPath,
      renderReport(rows, {
        goTfeVersion: ctx.goTfe.version,
        backend:
          options.backend === "pglite"
            ? "embedded shape (PGlite)"
            : "production shape (PostgreSQL, Redis, S3)",
        wallMs: Date.now() - ctx.began,
        probe: probeNote,
        command: options.command ?? "bun scripts/conformance.ts",
        traffic,
      }),
    );
    log(`[conformance] report: ${relative(root, options.reportPath)}`);
  }
  if (options.update) {
    const next: Expectation[] = updatedExpectations(
      ctx.file.entries,
      ctx.allTests,
      results,
      options.acceptFailures ?? false,
    );
    await writeText(ctx.expectationsPath, formatExpectations(ctx.goTfe.version, next));
    log(
      `[conformance] wrote ${relative(root, ctx.expectationsPath)} (${next.filter((e) => e.status === "pass").length} pass)`,
    );
  }

  for (const p of ctx.problems)
    log(`[conformance] ${options.update ? "fixed by --update: " : "EXPECTATIONS OUT OF DATE: "}${p}`);
  if (tighten.length > 0) {
    log(`[conformance] ${tighten.length} not-yet tests passed; tighten with --update: ${tighten.join(", ")}`);
  }
  if (regressions.length > 0) log(`[conformance] FAILED (expected pass): ${regressions.join(", ")}`);
  log(`[conformance] logs of tests that did not pass: ${relative(root, ctx.logsDir)}/`);
  const fileProblem = ctx.problems.length > 0 && !options.update;
  const notes = [
    conformanceNote(rows, traffic),
    tighten.length > 0 ? `${tighten.length} not-yet passed (tighten)` : "",
    `probe ${probeNote}`,
    fileProblem ? "expectation file out of date (run --update)" : "",
  ].filter(Boolean);
  return {
    passed: rows.filter((r) => r.verdict === "ok").length,
    failed: regressions.length + (fileProblem ? 1 : 0),
    skipped: rows.filter((r) => r.expectation?.status !== "pass").length,
    note: notes.join("; "),
    regressions,
    tighten,
    passedTests,
  };
}

/** `82/120 tests exercising Terrapod passed (142/563 in all)`, or the static figure when not measured. */
function conformanceNote(rows: readonly Row[], traffic: TrafficNote): string {
  const passed = (keep: (r: Row) => boolean) => {
    const kept = rows.filter(keep);
    return `${kept.filter((r) => r.result.outcome === "pass").length}/${kept.length}`;
  };
  const inAll = passed(() => true);
  if (!traffic.measured) {
    return `${passed((r) => rowClass(r).class === "server")} tests talking to the server passed (static; not measured) (${inAll} in all)`;
  }
  return `${passed((r) => rowClass(r).class === "exercised")} tests exercising Terrapod passed (${inAll} in all)`;
}

// ---------------------------------------------------------------------------------------------------
// phase

/**
 * `conformance` (embedded shape): the tests expected to pass, then the not-yet probe (8 min budget);
 * writes docs/compatibility/go-tfe.md. `conformance-postgres` (production shape: PostgreSQL, Redis, S3):
 * the tests expected to pass only — the probe and the report come from the embedded run.
 */
export function conformancePhase(backend: "pglite" | "postgres"): Phase {
  const embedded = backend === "pglite";
  return {
    name: embedded ? "conformance" : "conformance-postgres",
    description: embedded
      ? "go-tfe's integration tests against Terrapod over https (expectations: e2e/go-tfe/expectations.txt)"
      : "go-tfe's tests expected to pass, against the production shape (PostgreSQL, Redis, S3)",
    ...(embedded ? {} : { needs: ["postgres", "redis", "s3"] as const }),
    async run(ctx) {
      const only = ctx.filter !== undefined ? new RegExp(ctx.filter) : undefined;
      const summary = await runConformance({
        root: ctx.root,
        backend,
        servicesEnv: ctx.env,
        probeBudgetMs: embedded ? 8 * 60_000 : 0,
        // a filtered run is partial: it does not overwrite the checked-in report
        reportPath: only || !embedded ? undefined : defaultReportPath,
        logsDir: join(defaultLogsDir, backend),
        command: "scripts/test --only conformance",
        clients: await sharedClients(),
        ...(only ? { only } : {}),
      });
      const { passed, failed, skipped, note } = summary;
      return { passed, failed, skipped, ...(note !== undefined ? { note } : {}) };
    },
  };
}
