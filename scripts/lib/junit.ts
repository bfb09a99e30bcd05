/** Counts from the JUnit XML that `bun test --reporter=junit --reporter-outfile=F` writes. */
import { readFile } from "node:fs/promises";

export type TestCounts = { readonly passed: number; readonly failed: number; readonly skipped: number };

/** Returns undefined when the file is missing or has no `<testsuites>` root (the run crashed). */
export async function readJunit(file: string): Promise<TestCounts | undefined> {
  const xml = await readFile(file, "utf8").catch(() => undefined);
  if (xml === undefined || !xml.includes("<testsuites")) return undefined;
  return countJunit(xml);
}

export function countJunit(xml: string): TestCounts {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  // Attribute values are escaped (&lt; &gt;), so a testcase ends at its first "/>" or "</testcase>".
  for (const match of xml.matchAll(/<testcase\b[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[1] ?? "";
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}
