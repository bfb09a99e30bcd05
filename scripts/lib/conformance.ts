/**
 * The go-tfe conformance run: builds (or reuses) go-tfe's test binary, starts a Terrapod serving https
 * with a throwaway CA in a child process, runs every top-level go-tfe test in its own process against
 * it and compares the outcomes with `e2e/go-tfe/expectations.txt`; writes `docs/compatibility/go-tfe.md`.
 *
 * Bounded run time: `pass` tests run first (a few processes at a time, generous per-test timeout) and
 * must pass. `not-yet` tests are then probed with a short per-test timeout within a total budget; a
 * probe only reports (a passing not-yet test asks for the file to be tightened). Per-test processes
 * make a panicking test (go-tfe dereferences fields the server left out) cost only itself.
 *
 * Used by `bun scripts/conformance.ts` (by hand) and by the `conformance` phase of scripts/test.
 */
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { createTestCertificates } from "../../e2e/lib/tls.ts";
import { buildClients, goTfeOf, runTestEnv } from "./clients.ts";
import { sharedClients } from "./e2e.ts";
import {
  type Expectation,
  formatExpectations,
  judge,
  listGoTfeTests,
  notProbed,
  type Row,
  readExpectations,
  renderReport,
  runGoTfeTest,
  runPool,
  type TestResult,
  testSources,
  updatedExpectations,
  writeText,
} from "./go-tfe-results.ts";
import type { Phase, PhaseResult } from "./phases.ts";
import { onShutdown, repoRoot, seconds } from "./proc.ts";

export type ConformanceOptions = {
  readonly root?: string;
  /** Which Terrapod shape serves the tests. */
  readonly backend: "pglite" | "postgres";
  /** TERRAPOD_TEST_* variables of the services (postgres shape). */
  readonly servicesEnv?: Readonly<Record<string, string>>;
  readonly expectationsPath?: string;
  /** undefined: no report file (e.g. when only some tests run). */
  readonly reportPath?: string | undefined;
  /** Logs of tests that did not pass, and the server log, go here. */
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

type ServerHandle = { readonly url: string; readonly adminToken: string; stop(): Promise<void> };

/** Starts scripts/lib/conformance-server.ts; its log goes to `logFile`. */
async function startServer(
  root: string,
  env: Record<string, string>,
  cert: string,
  key: string,
  logFile: string,
): Promise<ServerHandle> {
  await mkdir(dirname(logFile), { recursive: true });
  const logStream = createWriteStream(logFile);
  const child = Bun.spawn({
    cmd: [process.execPath, join(root, "scripts", "lib", "conformance-server.ts"), cert, key],
    cwd: root,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      unregister();
      child.kill("SIGTERM");
      const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
      if (!exited) {
        child.kill("SIGKILL");
        await child.exited;
      }
      await new Promise<void>((resolve) => logStream.end(resolve));
    })();
    return stopped;
  };
  const unregister = onShutdown(stop);

  const ready = new Promise<{ url: string; adminToken: string }>((resolve, reject) => {
    let buffered = "";
    let announced = false;
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        if (announced) {
          logStream.write(chunk);
          continue;
        }
        buffered += decoder.decode(chunk, { stream: true });
        const nl = buffered.indexOf("\n");
        if (nl === -1) continue;
        announced = true;
        const first = buffered.slice(0, nl);
        logStream.write(buffered.slice(nl + 1));
        try {
          resolve(JSON.parse(first) as { url: string; adminToken: string });
        } catch {
          reject(new Error(`conformance server printed ${first}`));
        }
      }
      if (!announced) reject(new Error(`conformance server exited before it was ready:\n${buffered}`));
    })();
    void (async () => {
      for await (const chunk of child.stderr) logStream.write(chunk);
    })();
  });
  const timeout = Bun.sleep(180_000).then(() => {
    throw new Error("conformance server not ready within 180 s");
  });
  try {
    const info = await Promise.race([ready, timeout]);
    return { ...info, stop };
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)} (server log: ${logFile})`);
  }
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceSummary> {
  const root = options.root ?? repoRoot;
  const log = options.log ?? ((line: string) => console.log(line));
  const began = Date.now();
  const expectationsPath = options.expectationsPath ?? defaultExpectationsPath;
  const logsDir = options.logsDir ?? defaultLogsDir;
  const concurrency = options.concurrency ?? 4;

  const clients = options.clients ?? (await buildClients({ log }));
  const goTfe = goTfeOf(clients);
  const allTests = await listGoTfeTests(goTfe);
  const file = await readExpectations(expectationsPath);
  const problems: string[] = [];
  if (file.goTfeVersion && file.goTfeVersion !== goTfe.version) {
    problems.push(
      `${relative(root, expectationsPath)} is for go-tfe v${file.goTfeVersion}, the binary is v${goTfe.version}`,
    );
  }
  const unlisted = allTests.filter((t) => !file.entries.has(t));
  const stale = [...file.entries.keys()].filter((t) => !allTests.includes(t));
  if (unlisted.length > 0)
    problems.push(`${unlisted.length} go-tfe tests are not listed: ${unlisted.slice(0, 5).join(", ")}…`);
  if (stale.length > 0)
    problems.push(`${stale.length} listed tests do not exist in go-tfe: ${stale.slice(0, 5).join(", ")}…`);

  const selected = options.only ? allTests.filter((t) => options.only?.test(t)) : allTests;
  const expectedPass = selected.filter((t) => file.entries.get(t)?.status === "pass");
  const probe = selected.filter((t) => file.entries.get(t)?.status !== "pass");

  const work = await mkdtemp(join(tmpdir(), "terrapod-conformance-"));
  await rm(logsDir, { recursive: true, force: true });
  await mkdir(logsDir, { recursive: true });
  let server: ServerHandle | undefined;
  const results = new Map<string, TestResult>();
  try {
    const certs = await createTestCertificates(join(work, "certs"), "/usr/bin/openssl");
    const serverEnv: Record<string, string> = {
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: work,
      TMPDIR: work,
      TERRAPOD_TEST_BACKEND: options.backend,
      ...options.servicesEnv,
      // go-tfe's run tests execute real runs: engines and the null provider stand-in
      ...runTestEnv(clients),
    };
    const started = Date.now();
    server = await startServer(
      root,
      serverEnv,
      certs.serverCert,
      certs.serverKey,
      join(logsDir, "server.log"),
    );
    log(`[conformance] Terrapod (${options.backend}) at ${server.url} in ${seconds(Date.now() - started)}`);

    await mkdir(join(work, "home"), { recursive: true });
    const testEnv: Record<string, string> = {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      HOME: join(work, "home"),
      TMPDIR: work,
      TFE_ADDRESS: server.url,
      TFE_TOKEN: server.adminToken,
      SKIP_PAID: "1",
      ENABLE_BETA: "1",
      // Terrapod answers as Terraform Enterprise (TFP-AppName); go-tfe keys its TFE-vs-HCP expectations on this.
      ENABLE_TFE: "1",
      SSL_CERT_FILE: certs.caCert,
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
      testEnv[`TFE_ADMIN_${role}_TOKEN`] = server.adminToken;
    }
    const runOne = (timeoutMs: number) => async (test: string) => {
      const result = await runGoTfeTest({ goTfe, test, env: testEnv, timeoutMs, parallel: 4 });
      results.set(test, result);
      const expected = file.entries.get(test)?.status ?? "unlisted";
      const verdict = judge(file.entries.get(test), result);
      if (result.outcome !== "pass") await writeFile(join(logsDir, `${test}.log`), result.log);
      if (
        verdict === "regression" ||
        verdict === "tighten" ||
        verdict === "unlisted" ||
        expected === "pass"
      ) {
        const mark = verdict === "ok" ? "ok  " : verdict.toUpperCase();
        log(
          `[conformance] ${mark} ${test} ${result.outcome} (${seconds(result.durationMs)})${result.detail ? ` ${result.detail}` : ""}`,
        );
      }
      return result;
    };

    log(`[conformance] ${expectedPass.length} tests expected to pass, ${concurrency} at a time`);
    const passStarted = Date.now();
    await runPool(expectedPass, concurrency, runOne(options.passTimeoutMs ?? 300_000));
    log(`[conformance] tests expected to pass done in ${seconds(Date.now() - passStarted)}`);
    if (options.probeBudgetMs > 0 && probe.length > 0) {
      log(
        `[conformance] probing ${probe.length} not-yet tests (${seconds(options.probeBudgetMs)} budget, ${seconds(options.probeTimeoutMs ?? 30_000)} per test)`,
      );
      const probeStarted = Date.now();
      const { notStarted } = await runPool(
        probe,
        concurrency,
        runOne(options.probeTimeoutMs ?? 30_000),
        Date.now() + options.probeBudgetMs,
      );
      for (const test of notStarted) results.set(test, notProbed(test));
      log(`[conformance] probe done in ${seconds(Date.now() - probeStarted)}`);
    } else {
      for (const test of probe) results.set(test, notProbed(test));
    }
  } finally {
    if (server) await server.stop();
    await rm(work, { recursive: true, force: true });
  }

  const sources = await testSources(goTfe.srcDir);
  const rows: Row[] = selected.map((test) => {
    const result = results.get(test) ?? notProbed(test);
    const expectation = file.entries.get(test);
    return { expectation, result, verdict: judge(expectation, result), source: sources.get(test) };
  });
  const regressions = rows.filter((r) => r.verdict === "regression").map((r) => r.result.test);
  const tighten = rows.filter((r) => r.verdict === "tighten").map((r) => r.result.test);
  const passedTests = rows.filter((r) => r.result.outcome === "pass").map((r) => r.result.test);
  const probeNote =
    options.probeBudgetMs > 0
      ? `${probe.length - rows.filter((r) => r.verdict === "not-probed").length} of ${probe.length} probed`
      : "off";

  if (options.reportPath) {
    await writeText(
      options.reportPath,
      renderReport(rows, {
        goTfeVersion: goTfe.version,
        backend:
          options.backend === "pglite"
            ? "embedded shape (PGlite)"
            : "production shape (PostgreSQL, Redis, S3)",
        wallMs: Date.now() - began,
        probe: probeNote,
        command: options.command ?? "bun scripts/conformance.ts",
      }),
    );
    log(`[conformance] report: ${relative(root, options.reportPath)}`);
  }
  if (options.update) {
    const next: Expectation[] = updatedExpectations(
      file.entries,
      allTests,
      results,
      options.acceptFailures ?? false,
    );
    await writeText(expectationsPath, formatExpectations(goTfe.version, next));
    log(
      `[conformance] wrote ${relative(root, expectationsPath)} (${next.filter((e) => e.status === "pass").length} pass)`,
    );
  }

  for (const p of problems)
    log(`[conformance] ${options.update ? "fixed by --update: " : "EXPECTATIONS OUT OF DATE: "}${p}`);
  if (tighten.length > 0) {
    log(`[conformance] ${tighten.length} not-yet tests passed; tighten with --update: ${tighten.join(", ")}`);
  }
  if (regressions.length > 0) log(`[conformance] FAILED (expected pass): ${regressions.join(", ")}`);
  log(`[conformance] logs of tests that did not pass: ${relative(root, logsDir)}/`);
  const fileProblem = problems.length > 0 && !options.update;
  const notes = [
    `${passedTests.length}/${rows.length} go-tfe tests passed`,
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
