/**
 * The structure check (a step of the test command's `check` phase):
 *
 *   bun scripts/check-structure.ts [ROOT]
 *
 * Reads the TypeScript sources under apps/ and packages/ and runs the rules of
 * `scripts/lib/structure-rules.ts` (import boundaries, fences, core domains, environment reads, sizes).
 * Prints every violation as `path:line: rule: message`, then a one-line summary; exits 1 if there is any.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  checkFiles,
  formatViolation,
  isGenerated,
  isIgnoredPath,
  type SourceFile,
  type Workspace,
} from "./lib/structure-rules.ts";

const tops = ["apps", "packages"] as const;

/** Package name → folder, from each `apps/*` and `packages/*` package.json. */
async function readWorkspace(root: string): Promise<Workspace> {
  const workspace = new Map<string, string>();
  for (const top of tops) {
    const entries = await readdir(join(root, top), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const dir = `${top}/${entry.name}`;
      const manifest = await readFile(join(root, dir, "package.json"), "utf8").catch(() => undefined);
      if (manifest === undefined) continue;
      const { name } = JSON.parse(manifest) as { name?: unknown };
      if (typeof name === "string") workspace.set(name, dir);
    }
  }
  return workspace;
}

/** Relative paths of the sources to check (symlinks are not followed). */
async function findSources(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map(async (entry) => {
        const path = `${rel}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!isIgnoredPath(`${path}/x.ts`)) await walk(path);
        } else if (entry.isFile() && !isIgnoredPath(path)) found.push(path);
      }),
    );
  };
  await Promise.all(tops.map(walk));
  return found.sort();
}

async function main(argv: string[]): Promise<number> {
  const started = performance.now();
  const root = resolve(argv[0] ?? join(import.meta.dir, ".."));
  const [workspace, paths] = await Promise.all([readWorkspace(root), findSources(root)]);
  const files: SourceFile[] = [];
  for (const [path, source] of await Promise.all(
    paths.map(async (path) => [path, await readFile(join(root, path), "utf8")] as const),
  )) {
    if (!isGenerated(source)) files.push({ path, source });
  }
  const violations = checkFiles(files, workspace);
  for (const violation of violations) console.log(formatViolation(violation));
  const ms = Math.round(performance.now() - started);
  const inFiles = new Set(violations.map((v) => v.path)).size;
  console.log(
    violations.length === 0
      ? `check-structure: ok, ${files.length} files checked in ${ms} ms`
      : `check-structure: ${violations.length} violation(s) in ${inFiles} file(s); ${files.length} files checked in ${ms} ms`,
  );
  return violations.length === 0 ? 0 : 1;
}

process.exit(await main(process.argv.slice(2)));
