/**
 * The markdown report of a go-tfe conformance run (`docs/compatibility/go-tfe.md`): a summary that
 * counts as conformance only the passing tests that measurably exercised Terrapod (see
 * `go-tfe-results-traffic.ts`), then one row per top-level test.
 */
import type { Row, Verdict } from "./go-tfe-results.ts";
import type { TrafficClass } from "./go-tfe-results-traffic.ts";

/** How the tests' traffic was classified in this run. */
export type TrafficNote =
  | {
      readonly measured: true;
      /** Access-log requests in all, and those no test's forwarder carried. */
      readonly requests: number;
      readonly unattributed: number;
      /** The unattributed requests per `METHOD route status`. */
      readonly outside: Readonly<Record<string, number>>;
    }
  | { readonly measured: false; readonly reason: string };

export type ReportMeta = {
  readonly goTfeVersion: string;
  readonly backend: string;
  readonly wallMs: number;
  readonly probe: string;
  readonly command: string;
  readonly traffic: TrafficNote;
};

/** A row's class: measured when its traffic is known, else the static guess from go-tfe's sources. */
export type RowClass =
  | { readonly measured: true; readonly class: TrafficClass }
  | { readonly measured: false; readonly class: "server" | "offline" | "not-run" };

export function rowClass(row: Row): RowClass {
  if (row.result.outcome === "not-probed") return { measured: false, class: "not-run" };
  if (row.traffic) return { measured: true, class: row.traffic.class };
  return { measured: false, class: row.source?.usesServer ? "server" : "offline" };
}

type Tally = { readonly total: number; readonly passed: number };

function tally(rows: readonly Row[], keep: (r: Row) => boolean): Tally {
  const kept = rows.filter(keep);
  return { total: kept.length, passed: kept.filter((r) => r.result.outcome === "pass").length };
}

const measuredAs = (cls: TrafficClass) => (r: Row) => {
  const c = rowClass(r);
  return c.measured && c.class === cls;
};

/** The conformance figures: passing exercised tests, the other classes apart. */
export function countLines(rows: readonly Row[], traffic: TrafficNote): string[] {
  const all = tally(rows, () => true);
  const notRun = rows.filter((r) => rowClass(r).class === "not-run").length;
  const inAll = `${all.passed} of ${all.total} top-level tests passed in all${notRun > 0 ? ` (${notRun} not run)` : ""}`;
  const staticServer = tally(rows, (r) => !rowClass(r).measured && rowClass(r).class === "server");
  const staticOffline = tally(rows, (r) => !rowClass(r).measured && rowClass(r).class === "offline");
  if (!traffic.measured) {
    return [
      `- **${staticServer.passed} of ${staticServer.total} tests that talk to the server passed** — by the static` +
        ` classification from go-tfe's sources (does the test build a client?), because measuring failed: ${traffic.reason}`,
      `- ${staticOffline.passed} of ${staticOffline.total} offline tests passed (no client); ${inAll}`,
    ];
  }
  const exercised = tally(rows, measuredAs("exercised"));
  const noFeature = tally(rows, measuredAs("no-feature"));
  const offline = tally(rows, measuredAs("offline"));
  const lines = [
    `- **${exercised.passed} of ${exercised.total} tests that exercised Terrapod passed** (at least one request` +
      " served by a Terrapod route, measured: each test reached the server through its own forwarder, joined with the server's access log)",
    `- Not counted as conformance: ${noFeature.passed} of ${noFeature.total} tests that reached no Terrapod feature passed` +
      " (connected, but every request had no route or was the client handshake `GET /api/v2/ping`);" +
      ` ${offline.passed} of ${offline.total} offline tests passed (no connection: go-tfe's unit tests, tests that skip first)`,
  ];
  if (staticServer.total + staticOffline.total > 0) {
    lines.push(
      `- Not measured (their forwarder failed), by the static guess: ${staticServer.passed} of ${staticServer.total}` +
        ` server tests and ${staticOffline.passed} of ${staticOffline.total} offline tests passed`,
    );
  }
  const runner = Object.entries(traffic.outside)
    .filter(([key]) => key.includes(" /api/runner/"))
    .reduce((sum, [, n]) => sum + n, 0);
  lines.push(
    `- ${inAll}; ${traffic.requests} requests in the server's access log, ${traffic.unattributed} of them` +
      ` from outside the tests (${runner} on the runner API: the runners of the tests' remote runs)`,
  );
  return lines;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * The class column: `exercised (12 req, 3 no route, 2 conn)`, `no feature (1 req, 1 conn)`, `offline`,
 * `server (static)`.
 */
export function classCell(row: Row): string {
  const c = rowClass(row);
  if (c.class === "not-run") return "";
  if (!c.measured) return `${c.class} (static)`;
  const t = row.traffic;
  if (!t || c.class === "offline") return "offline";
  const noRoute = t.unmatched > 0 ? `, ${t.unmatched} no route` : "";
  return `${c.class === "no-feature" ? "no feature" : c.class} (${t.requests} req${noRoute}, ${t.connections} conn)`;
}

const order: Record<Verdict, number> = {
  regression: 0,
  unlisted: 1,
  tighten: 2,
  ok: 3,
  "not-yet": 4,
  "not-probed": 5,
};

/** Markdown report: summary, then one row per top-level test. */
export function renderReport(rows: readonly Row[], meta: ReportMeta): string {
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  const expectedPass = rows.filter((r) => r.expectation?.status === "pass").length;
  const lines = [
    "# go-tfe conformance report",
    "",
    `Generated by \`${meta.command}\` — do not edit; the expectations live in \`e2e/go-tfe/expectations.txt\`.`,
    "",
    `- go-tfe: v${meta.goTfeVersion} integration tests, each top-level test in its own process`,
    `- Terrapod: ${meta.backend}, https with a throwaway CA`,
    `- Run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${(meta.wallMs / 1000).toFixed(0)} s; not-yet probe: ${meta.probe}`,
    ...countLines(rows, meta.traffic),
    `- ${expectedPass} expected to pass, ${count("ok")} did` +
      ` (${count("regression")} regressions); ${count("tighten")} not-yet tests passed (tighten the file);` +
      ` ${count("not-probed")} not probed`,
    "",
    "| Test | File | Class | Expected | Actual | Duration | Subtests (pass/fail/skip) | Detail |",
    "|---|---|---|---|---|---:|---|---|",
  ];
  const sorted = [...rows].sort(
    (a, b) => order[a.verdict] - order[b.verdict] || a.result.test.localeCompare(b.result.test),
  );
  for (const r of sorted) {
    const expected = r.expectation
      ? r.expectation.status === "pass"
        ? "pass"
        : `not-yet: ${r.expectation.reason}`
      : "(not listed)";
    const actual = r.verdict === "regression" ? `**${r.result.outcome}**` : r.result.outcome;
    const s = r.result.subtests;
    const subs = s.passed + s.failed + s.skipped > 0 ? `${s.passed}/${s.failed}/${s.skipped}` : "";
    const duration = r.result.outcome === "not-probed" ? "" : `${(r.result.durationMs / 1000).toFixed(1)} s`;
    lines.push(
      `| ${r.result.test} | ${r.source?.file ?? ""} | ${classCell(r)} | ${cell(expected)} | ${actual} | ${duration} | ${subs} | ${cell(r.result.detail)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
