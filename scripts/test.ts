/**
 * The single test command (run it through `scripts/test`, which installs Bun and the dependencies).
 *
 *   scripts/test [--only a,b] [--skip a,b] [--filter PATTERN] [--junit-dir DIR] [PATH...] [-- BUN_TEST_ARGS]
 *
 * Runs the phases below in order, starting the services they need (once, in the background while
 * earlier phases run) and stopping them at the end, also on failure or Ctrl-C. Each `bun test` phase
 * writes JUnit XML; the counts are summed and the last line printed is `N passed, N failed`.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runTestEnv } from "./lib/clients.ts";
import { conformancePhase } from "./lib/conformance.ts";
import { e2ePhase, sharedClients } from "./lib/e2e.ts";
import {
  bunTestPhase,
  checkPhase,
  integrationTestFiles,
  type Phase,
  type PhaseContext,
  type PhaseResult,
  unitTestFiles,
} from "./lib/phases.ts";
import {
  fastScratchBase,
  installSignalHandlers,
  interruptedBy,
  mustRun,
  onShutdown,
  repoRoot,
  runShutdownHooks,
  seconds,
} from "./lib/proc.ts";
import { ensureServiceTools, type ServiceName, type Services, startServices } from "./lib/services.ts";

/**
 * Before the integration tests: the engines and the provider mirror (tests execute real runs), and the
 * migrated database template, so no test pays initdb inside its timeout.
 */
async function prepareIntegration(ctx: PhaseContext, env: Record<string, string | undefined>): Promise<void> {
  Object.assign(env, runTestEnv(await sharedClients()));
  const started = Date.now();
  const entry = JSON.stringify(join(ctx.root, "packages/testing/src/index.ts"));
  await mustRun([process.execPath, "-e", `await (await import(${entry})).prepareTestDbTemplate();`], {
    cwd: ctx.root,
    env,
  });
  console.log(`database template ready [${seconds(Date.now() - started)}]`);
}

// ---------------------------------------------------------------------------------------------------
// The phases, in order. Add new ones (e2e, conformance) here: `name`, `description`, the services it
// `needs`, and `run(ctx)` returning counts (see scripts/lib/phases.ts for the contract and helpers).

const phases: readonly Phase[] = [
  checkPhase,
  bunTestPhase({
    name: "unit",
    description: "bun test on *.test.ts under apps/, packages/ and scripts/, except *.int.test.ts",
    files: unitTestFiles,
  }),
  bunTestPhase({
    name: "int-pglite",
    description: "bun test on *.int.test.ts against PGlite, with Redis and S3",
    needs: ["redis", "s3"],
    env: { TERRAPOD_TEST_BACKEND: "pglite" },
    prepare: prepareIntegration,
    files: integrationTestFiles,
  }),
  bunTestPhase({
    name: "int-postgres",
    description: "bun test on *.int.test.ts against PostgreSQL, with Redis and S3",
    needs: ["postgres", "redis", "s3"],
    env: { TERRAPOD_TEST_BACKEND: "postgres" },
    prepare: prepareIntegration,
    files: integrationTestFiles,
  }),
  e2ePhase("pglite"),
  e2ePhase("postgres"),
  conformancePhase("pglite"),
  conformancePhase("postgres"),
];

// ---------------------------------------------------------------------------------------------------

const usage = `usage: scripts/test [options] [PATH...] [-- BUN_TEST_ARGS...]

Phases (in order): ${phases.map((p) => p.name).join(", ")}

Options:
  --only a,b         run only these phases (repeatable)
  --skip a,b         skip these phases (repeatable)
  -t, --filter PAT   bun test name pattern (bun test -t PAT) for the test phases
  --junit-dir DIR    keep the JUnit XML files in DIR (default: a temp dir, removed afterwards)
  --list             list the phases and exit
  -h, --help         this help
  PATH...            only test files whose path contains one of these strings
  -- ARGS            passed to every bun test (e.g. -- --bail --timeout 20000)`;

type Options = {
  readonly selected: readonly Phase[];
  readonly filter: string | undefined;
  readonly paths: readonly string[];
  readonly passThrough: readonly string[];
  readonly junitDir: string | undefined;
};

function parseOptions(argv: string[]): Options | number {
  const dashDash = argv.indexOf("--");
  const own = dashDash === -1 ? argv : argv.slice(0, dashDash);
  const passThrough = dashDash === -1 ? [] : argv.slice(dashDash + 1);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      only: { type: "string", multiple: true },
      skip: { type: "string", multiple: true },
      filter: { type: "string", short: "t" },
      "junit-dir": { type: "string" },
      list: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.list) {
    for (const phase of phases) {
      const needs = phase.needs?.length ? ` (needs ${phase.needs.join(", ")})` : "";
      console.log(`${phase.name.padEnd(14)} ${phase.description}${needs}`);
    }
    return 0;
  }
  const names = (lists: string[] | undefined) => (lists ?? []).flatMap((l) => l.split(",")).filter(Boolean);
  const known = new Set(phases.map((p) => p.name));
  const only = names(values.only);
  const skip = names(values.skip);
  const unknownOnly = only.filter((n) => !known.has(n));
  if (unknownOnly.length > 0) {
    console.error(`unknown phase(s) ${unknownOnly.join(", ")}; known: ${[...known].join(", ")}`);
    return 2;
  }
  for (const name of skip.filter((n) => !known.has(n))) console.error(`note: --skip ${name}: no such phase`);
  const selected = phases.filter(
    (p) => (only.length === 0 || only.includes(p.name)) && !skip.includes(p.name),
  );
  return {
    selected,
    filter: values.filter,
    paths: positionals,
    passThrough,
    junitDir: values["junit-dir"] === undefined ? undefined : resolve(values["junit-dir"]),
  };
}

type Outcome = { readonly phase: string; readonly ms: number; readonly result: PhaseResult };

async function main(argv: string[]): Promise<number> {
  const parsed = parseOptions(argv);
  if (typeof parsed === "number") return parsed;
  const options = parsed;
  installSignalHandlers(10_000);

  const began = Date.now();
  const tmpDir = await mkdtemp(join(tmpdir(), "terrapod-run-"));
  const junitDir = options.junitDir ?? tmpDir;
  await mkdir(junitDir, { recursive: true });
  const scratchDir = await mkdtemp(join(await fastScratchBase(tmpDir), "terrapod-run-scratch-"));
  const removeRunDirs = async () => {
    await rm(scratchDir, { recursive: true, force: true });
    await rm(tmpDir, { recursive: true, force: true });
  };
  onShutdown(removeRunDirs);
  const needed = [...new Set(options.selected.flatMap((p) => p.needs ?? []))] as ServiceName[];
  const outcomes: Outcome[] = [];
  let services: Promise<Services> | undefined;
  // Service progress is held back while a phase prints, and shown before the next phase.
  const held: string[] = [];
  const flushHeld = () => {
    for (const line of held.splice(0)) console.log(line);
  };

  try {
    if (needed.length > 0) {
      // Installs (apt, pip) print as they happen; the starts then overlap with the first phases.
      const t = Date.now();
      const tools = await ensureServiceTools(needed).then(
        () => undefined,
        (err: unknown) => err,
      );
      if (tools === undefined) {
        const startTime = Date.now();
        console.log(`[services] tools ready [${seconds(startTime - t)}]; starting ${needed.join(", ")}`);
        services = startServices(needed, { log: (line) => held.push(line) });
        services.then(
          () => held.push(`[services] all up in ${seconds(Date.now() - startTime)}`),
          () => {},
        );
      } else {
        // Phases that need the services fail with this; the others still run.
        console.error(
          `[services] installing tools failed: ${tools instanceof Error ? tools.message : tools}`,
        );
        services = Promise.reject(tools);
        services.catch(() => {});
      }
    }
    for (const phase of options.selected) {
      if (interruptedBy()) break;
      flushHeld();
      console.log(`\n━━ ${phase.name}: ${phase.description}`);
      const started = Date.now();
      let result: PhaseResult;
      try {
        const env: Record<string, string> = {};
        if (phase.needs?.length && services) {
          const up = await services;
          flushHeld();
          for (const name of phase.needs) Object.assign(env, up.byService[name]);
        }
        result = await phase.run({
          root: repoRoot,
          tmpDir,
          junitDir,
          scratchDir,
          env,
          filter: options.filter,
          paths: options.paths,
          passThrough: options.passThrough,
        });
      } catch (err) {
        flushHeld();
        const message = err instanceof Error ? err.message : String(err);
        console.error(`${phase.name} could not run: ${message}`);
        result = { passed: 0, failed: 1, skipped: 0, note: `could not run: ${message.split("\n")[0]}` };
      }
      if (interruptedBy() && !result.note?.startsWith("interrupted")) {
        result = { ...result, note: ["interrupted", result.note].filter(Boolean).join("; ") };
      }
      const ms = Date.now() - started;
      outcomes.push({ phase: phase.name, ms, result });
      console.log(`━━ ${phase.name}: ${describe(result)} [${seconds(ms)}]`);
    }
  } finally {
    if (services) {
      const t = Date.now();
      await services.then(
        async (up) => {
          await up.stop();
          console.log(`[services] stopped [${seconds(Date.now() - t)}]`);
        },
        () => {},
      );
    }
    await runShutdownHooks(); // includes removeRunDirs
  }
  flushHeld();
  return summarize(outcomes, options, Date.now() - began);
}

function describe(result: PhaseResult): string {
  const counts = `${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`;
  return result.note ? `${counts} (${result.note})` : counts;
}

function summarize(outcomes: readonly Outcome[], options: Options, ms: number): number {
  const total = { passed: 0, failed: 0, skipped: 0 };
  console.log("\n━━ summary");
  for (const { phase, ms: phaseMs, result } of outcomes) {
    total.passed += result.passed;
    total.failed += result.failed;
    total.skipped += result.skipped;
    const status = result.failed > 0 ? "FAIL" : "ok";
    console.log(
      `${phase.padEnd(14)} ${status.padEnd(5)} ${seconds(phaseMs).padStart(7)}  ${describe(result)}`,
    );
  }
  const ran = new Set(outcomes.map((o) => o.phase));
  const notRun = options.selected.filter((p) => !ran.has(p.name)).map((p) => p.name);
  if (notRun.length > 0) console.log(`not run: ${notRun.join(", ")}`);
  const signal = interruptedBy();
  if (signal) console.log(`interrupted by ${signal}`);
  console.log(`total ${seconds(ms)}; ${total.skipped} skipped (skip/todo/filtered)`);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  if (signal) return signal === "SIGINT" ? 130 : signal === "SIGHUP" ? 129 : 143;
  return total.failed > 0 ? 1 : 0;
}

process.exit(await main(process.argv.slice(2)));
