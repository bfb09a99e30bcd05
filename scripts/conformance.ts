/**
 * go-tfe conformance by hand (the `conformance` phase of scripts/test runs the same thing).
 *
 *   bun scripts/conformance.ts [options]
 *
 *   --run REGEX            only top-level tests matching REGEX (no report file is written)
 *   --update               rewrite e2e/go-tfe/expectations.txt from this run: not-yet tests that passed
 *                          become pass, new go-tfe tests are added, removed ones dropped
 *   --accept-failures      with --update: also demote pass tests that failed (review the diff!)
 *   --probe-budget SEC     time for probing not-yet tests (default 480; 0 = no probe)
 *   --all                  probe every not-yet test, however long it takes (use with --update)
 *   --concurrency N        test processes at a time (default 4)
 *   --pass-timeout SEC     per test expected to pass (default 300)
 *   --probe-timeout SEC    per not-yet test (default 30)
 *   --backend pglite|postgres   Terrapod shape (postgres starts PostgreSQL, Redis and S3; default pglite)
 *
 * Exit code 1 when a test expected to pass did not, or the expectation file does not list exactly
 * go-tfe's tests. Logs of tests that did not pass: test-results/go-tfe/<Test>.log (+ server.log).
 */
import { parseArgs } from "node:util";
import { defaultReportPath, runConformance } from "./lib/conformance.ts";
import { installSignalHandlers, runShutdownHooks } from "./lib/proc.ts";
import { type Services, startServices } from "./lib/services.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    run: { type: "string" },
    update: { type: "boolean" },
    "accept-failures": { type: "boolean" },
    "probe-budget": { type: "string" },
    all: { type: "boolean" },
    concurrency: { type: "string" },
    "pass-timeout": { type: "string" },
    "probe-timeout": { type: "string" },
    backend: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  const text = await Bun.file(new URL(import.meta.url)).text();
  console.log(text.slice(text.indexOf("/**") + 3, text.indexOf("*/")).replace(/^ \* ?/gm, ""));
  process.exit(0);
}

const number = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number`);
    process.exit(2);
  }
  return n;
};
const backend = values.backend ?? "pglite";
if (backend !== "pglite" && backend !== "postgres") {
  console.error("--backend must be pglite or postgres");
  process.exit(2);
}

installSignalHandlers(10_000);
let services: Services | undefined;
let code = 1;
try {
  if (backend === "postgres") services = await startServices(["postgres", "redis", "s3"]);
  const only = values.run !== undefined ? new RegExp(values.run) : undefined;
  const summary = await runConformance({
    backend,
    ...(services ? { servicesEnv: services.env } : {}),
    probeBudgetMs: values.all
      ? Number.POSITIVE_INFINITY
      : number(values["probe-budget"], 480, "probe-budget") * 1000,
    concurrency: number(values.concurrency, 4, "concurrency"),
    passTimeoutMs: number(values["pass-timeout"], 300, "pass-timeout") * 1000,
    probeTimeoutMs: number(values["probe-timeout"], 30, "probe-timeout") * 1000,
    reportPath: only ? undefined : defaultReportPath,
    update: values.update ?? false,
    acceptFailures: values["accept-failures"] ?? false,
    command: `bun scripts/conformance.ts${backend === "postgres" ? " --backend postgres" : ""}`,
    ...(only ? { only } : {}),
  });
  console.log(`\n${summary.note}`);
  console.log(`${summary.passed} passed, ${summary.failed} failed`);
  code = summary.failed > 0 ? 1 : 0;
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
} finally {
  if (services) await services.stop();
  await runShutdownHooks();
}
process.exit(code);
