/**
 * Building blocks for the phases listed in `scripts/test.ts`: the phase contract, the `check` phase,
 * and `bunTestPhase` for anything that runs `bun test` on a list of files and reads its JUnit XML.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { readJunit, type TestCounts } from "./junit.ts";
import { interruptedBy, repoRoot, run, seconds } from "./proc.ts";
import type { ServiceName } from "./services.ts";

export type PhaseContext = {
  /** Repository root (the cwd of every command). */
  readonly root: string;
  /** This run's temp dir, removed afterwards; JUnit files go to `junitDir`. */
  readonly tmpDir: string;
  readonly junitDir: string;
  /** Per-run dir for throwaway data (PGlite clones), removed afterwards; a tmpfs when roomy. */
  readonly scratchDir: string;
  /** Environment of the services the phase `needs` (TERRAPOD_TEST_DATABASE_URL, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** `bun test -t` name pattern given with --filter. */
  readonly filter: string | undefined;
  /** Path substrings given as positional arguments: only test files matching one of them run. */
  readonly paths: readonly string[];
  /** Arguments after `--`, passed to `bun test`. */
  readonly passThrough: readonly string[];
};

export type PhaseResult = TestCounts & {
  /** Shown next to the counts: "no test files", "crashed: ...". */
  readonly note?: string;
};

export type Phase = {
  readonly name: string;
  readonly description: string;
  /** Services started (once, shared) before the first phase that needs them. */
  readonly needs?: readonly ServiceName[];
  run(ctx: PhaseContext): Promise<PhaseResult>;
};

const bun = process.execPath;

// ---------------------------------------------------------------------------------------------------
// check

export type Step = {
  /** How the step is shown, e.g. "bunx biome check .". */
  readonly label: string;
  readonly cmd: readonly string[];
};

/** One step per command: each counts as one passed or one failed test. */
export function commandsPhase(name: string, description: string, steps: readonly Step[]): Phase {
  return {
    name,
    description,
    async run(ctx) {
      const failing: string[] = [];
      for (const step of steps) {
        console.log(`$ ${step.label}`);
        const started = Date.now();
        const { code } = await run(step.cmd, { cwd: ctx.root });
        console.log(
          `${code === 0 ? "ok" : `FAILED (exit ${code})`}: ${step.label} [${seconds(Date.now() - started)}]`,
        );
        if (code !== 0) failing.push(step.label);
      }
      const counts = { passed: steps.length - failing.length, failed: failing.length, skipped: 0 };
      return failing.length > 0 ? { ...counts, note: `failed: ${failing.join("; ")}` } : counts;
    },
  };
}

export const checkPhase = commandsPhase("check", "biome check, tsc and the structure rules", [
  { label: "bunx biome check .", cmd: [bun, "x", "biome", "check", "."] },
  { label: "bunx tsc -p tsconfig.json", cmd: [bun, "x", "tsc", "-p", "tsconfig.json"] },
  // Import boundaries, core domains, environment reads and sizes (scripts/lib/structure-rules.ts).
  { label: "bun scripts/check-structure.ts", cmd: [bun, "scripts/check-structure.ts"] },
]);

// ---------------------------------------------------------------------------------------------------
// test files

/**
 * Every `*.test.ts` under apps/, packages/ and scripts/ (the test tooling's own tests), as sorted
 * relative paths, skipping node_modules and dot-dirs.
 */
export async function findTestFiles(root: string = repoRoot): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      // Symlinks are not followed (isolated installs link packages into node_modules).
      if (entry.isDirectory()) await walk(join(dir, entry.name), childRel);
      else if (entry.isFile() && entry.name.endsWith(".test.ts")) found.push(childRel);
    }
  };
  for (const top of ["apps", "packages", "scripts"]) await walk(join(root, top), top);
  return found.sort();
}

export const isIntegrationTest = (file: string) => file.endsWith(".int.test.ts");

export const unitTestFiles = async (root: string) =>
  (await findTestFiles(root)).filter((file) => !isIntegrationTest(file));

export const integrationTestFiles = async (root: string) =>
  (await findTestFiles(root)).filter(isIntegrationTest);

// ---------------------------------------------------------------------------------------------------
// bun test

export type BunTestPhaseOptions = {
  readonly name: string;
  readonly description: string;
  readonly needs?: readonly ServiceName[];
  /** Test files relative to the repo root. */
  readonly files: (root: string) => Promise<string[]>;
  /** Extra environment (on top of the services' env). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Runs before `bun test` (e.g. building the database template) and may add to `env`, which is then
   * the environment of `bun test`; a throw counts as one failure (the tests still run).
   */
  readonly prepare?: (ctx: PhaseContext, env: Record<string, string | undefined>) => Promise<void>;
  /** Extra `bun test` arguments (e.g. a longer `--timeout`). */
  readonly args?: readonly string[];
};

/** Variables that only the phase may set: a developer's own exports must not leak in. */
const phaseOwned = /^(TERRAPOD_TEST_|AWS_ACCESS_KEY_ID$|AWS_SECRET_ACCESS_KEY$|AWS_REGION$)/;

export function bunTestPhase(options: BunTestPhaseOptions): Phase {
  return {
    name: options.name,
    description: options.description,
    ...(options.needs ? { needs: options.needs } : {}),
    async run(ctx) {
      const all = await options.files(ctx.root);
      const files = ctx.paths.length === 0 ? all : all.filter((f) => ctx.paths.some((p) => f.includes(p)));
      if (files.length === 0) return { passed: 0, failed: 0, skipped: 0, note: "no test files" };

      const env: Record<string, string | undefined> = {};
      for (const [key, value] of Object.entries(process.env)) if (!phaseOwned.test(key)) env[key] = value;
      Object.assign(env, ctx.env, options.env, { TERRAPOD_TEST_SCRATCH_DIR: ctx.scratchDir });
      if (process.stdout.isTTY) env.FORCE_COLOR = "1";

      let prepareFailed: string | undefined;
      if (options.prepare) {
        try {
          await options.prepare(ctx, env);
        } catch (err) {
          prepareFailed = err instanceof Error ? err.message : String(err);
          console.error(`${options.name}: preparation failed: ${prepareFailed}`);
        }
      }

      if (interruptedBy()) return { passed: 0, failed: 1, skipped: 0, note: "interrupted before bun test" };

      const xml = join(ctx.junitDir, `${options.name}.xml`);
      await rm(xml, { force: true });
      const cmd = [
        bun,
        "test",
        "--reporter=junit",
        `--reporter-outfile=${xml}`,
        ...(options.args ?? []),
        ...(ctx.filter !== undefined ? ["-t", ctx.filter] : []),
        ...ctx.passThrough,
        ...files.map((file) => `./${file}`),
      ];
      console.log(`$ bun test ${files.length} file(s)${ctx.filter !== undefined ? ` -t ${ctx.filter}` : ""}`);
      const result = await run(cmd, { cwd: ctx.root, env, tee: true });
      const counts = await readJunit(xml);
      const outcome = tally(result.code, result.output, counts, ctx.filter !== undefined);
      if (prepareFailed === undefined) return outcome;
      return {
        ...outcome,
        failed: outcome.failed + 1,
        note: ["preparation failed", outcome.note].filter(Boolean).join("; "),
      };
    },
  };
}

/**
 * Reconciles the JUnit counts with bun's console summary and exit code. Bun leaves a file that fails
 * to load out of the XML but counts it in " N fail"; a crash leaves no XML at all.
 */
export function tally(
  code: number,
  output: string,
  junit: TestCounts | undefined,
  filtered: boolean,
): PhaseResult {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  const text = output.replace(/\x1b\[[0-9;]*m/g, "");
  const consoleFailed = [...text.matchAll(/^\s*(\d+) fail\s*$/gm)].at(-1)?.[1];
  const noneMatched = filtered && /matched 0 tests/.test(text);
  if (!junit) {
    if (noneMatched && code !== 0)
      return { passed: 0, failed: 0, skipped: 0, note: "no test matched the filter" };
    const failed = Math.max(1, Number(consoleFailed ?? 0));
    return { passed: 0, failed, skipped: 0, note: `crashed (exit ${code}) without a JUnit report` };
  }
  let failed = Math.max(junit.failed, Number(consoleFailed ?? 0));
  let note: string | undefined;
  if (failed > junit.failed) note = `${failed - junit.failed} file(s) failed to load`;
  if (code !== 0 && failed === 0) {
    if (noneMatched) return { ...junit, note: "no test matched the filter" };
    failed = 1;
    note = `bun test exited ${code} with no failing test`;
  }
  return { passed: junit.passed, failed, skipped: junit.skipped, ...(note ? { note } : {}) };
}
