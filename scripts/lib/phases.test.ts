import { afterAll, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findTestFiles, isIntegrationTest, tally } from "./phases.ts";

const junit = { passed: 3, failed: 1, skipped: 2 };

test("a clean run is taken from the JUnit counts", () => {
  expect(tally(0, " 3 pass\n 0 fail\n", { ...junit, failed: 0 }, false)).toEqual({
    passed: 3,
    failed: 0,
    skipped: 2,
  });
});

test("a file that failed to load (missing from the XML, counted by the console) is a failure", () => {
  const result = tally(1, "\u001b[31m 2 fail\u001b[0m\n 1 error\n", junit, false);
  expect(result.failed).toBe(2);
  expect(result.note).toContain("failed to load");
});

test("a crash without a report is at least one failure", () => {
  expect(tally(134, "Segmentation fault", undefined, false).failed).toBe(1);
  expect(tally(1, " 0 pass\n 3 fail\n", undefined, false).failed).toBe(3);
});

test("a non-zero exit with no failing test is one failure", () => {
  expect(tally(1, "", { ...junit, failed: 0 }, false).failed).toBe(1);
});

test("a filter that matches nothing in a phase is not a failure", () => {
  const output = 'error: regex "zzz" matched 0 tests. Searched 1 file (skipping 4 tests)';
  expect(tally(1, output, { passed: 0, failed: 0, skipped: 4 }, true)).toEqual({
    passed: 0,
    failed: 0,
    skipped: 4,
    note: "no test matched the filter",
  });
  expect(tally(1, output, { passed: 0, failed: 0, skipped: 4 }, false).failed).toBe(1);
});

const root = await mkdtemp(join(tmpdir(), "terrapod-phases-test-"));
afterAll(() => rm(root, { recursive: true, force: true }));

test("test files are found under apps/, packages/ and scripts/, never in node_modules", async () => {
  const files = [
    "apps/server/src/main.test.ts",
    "packages/core/src/run/run.test.ts",
    "packages/core/src/run/run.int.test.ts",
    "packages/core/node_modules/dep/x.test.ts",
    "scripts/lib/x.test.ts",
    "docs/y.test.ts",
    "packages/core/src/helper.ts",
  ];
  for (const file of files) {
    await mkdir(join(root, file, ".."), { recursive: true });
    await writeFile(join(root, file), "");
  }
  await mkdir(join(root, "packages/testing/node_modules/@terrapod"), { recursive: true });
  await symlink(join(root, "packages/core"), join(root, "packages/testing/node_modules/@terrapod/core"));
  const found = await findTestFiles(root);
  expect(found).toEqual([
    "apps/server/src/main.test.ts",
    "packages/core/src/run/run.int.test.ts",
    "packages/core/src/run/run.test.ts",
    "scripts/lib/x.test.ts",
  ]);
  expect(found.filter(isIntegrationTest)).toEqual(["packages/core/src/run/run.int.test.ts"]);
});
