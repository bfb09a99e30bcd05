import type { ResourceCounts } from "@terrapod/runner-protocol";
import { z } from "zod";

export const zeroCounts: ResourceCounts = Object.freeze({
  additions: 0,
  changes: 0,
  destructions: 0,
  imports: 0,
});

/** The part of `show -json <plan>` the counts need (plan format 1.x, terraform and tofu). */
const PlanJson = z.object({
  resource_changes: z
    .array(
      z.object({
        mode: z.string().optional(),
        change: z.object({
          actions: z.array(z.string()),
          importing: z.unknown().optional(),
        }),
      }),
    )
    .optional(),
  output_changes: z.record(z.string(), z.object({ actions: z.array(z.string()) })).optional(),
});

export type PlanSummary = {
  readonly counts: ResourceCounts;
  /** Some resource or root output would change (what `-detailed-exitcode` 2 reports, minus refresh-only drift). */
  readonly changes: boolean;
};

/**
 * Counts a plan the way TFE does: create → addition, update → change, delete → destruction, a replace
 * (delete+create in either order) → one addition and one destruction, an import → import (plus its
 * update, if any). Reads, no-ops and forgets count nothing.
 */
export function summarizePlan(json: unknown): PlanSummary {
  const plan = PlanJson.parse(json);
  const counts = { additions: 0, changes: 0, destructions: 0, imports: 0 };
  let changes = false;
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change.actions;
    if (rc.change.importing !== undefined && rc.change.importing !== null) {
      counts.imports += 1;
      changes = true;
    }
    if (actions.includes("create")) counts.additions += 1;
    if (actions.includes("delete")) counts.destructions += 1;
    if (actions.includes("update")) counts.changes += 1;
    if (actions.some((a) => a === "create" || a === "delete" || a === "update" || a === "forget"))
      changes = true;
  }
  for (const output of Object.values(plan.output_changes ?? {})) {
    if (output.actions.some((a) => a !== "no-op")) changes = true;
  }
  return { counts, changes };
}

const summaryLine = /^(?:Apply|Destroy) complete! Resources: (.*)\.\s*$/;
const completion = /^\S.*: (Creation|Modifications|Destruction|Import) complete after /;
const errorLine = /^(?:│\s*)?(Error: .+)$/;
/** A line longer than this is cut (and its end ignored): output is watched, never stored. */
const maxLineChars = 16 * 1024;

/**
 * Watches an engine's (unmasked) output line by line, without keeping it: the "Apply complete! Resources: 1
 * imported, 2 added, 0 changed, 1 destroyed." summary, the per-resource "…: Creation complete after"
 * lines (the counts of a failed or cancelled apply), and the first diagnostic ("Error: …", also in the
 * boxed `│ Error: …` form) for the result's error message, to be masked by the caller.
 */
export class OutputWatcher {
  #partial = "";
  #summary: ResourceCounts | undefined;
  readonly #completed = { additions: 0, changes: 0, destructions: 0, imports: 0 };
  #firstError: string | undefined;

  push(text: string): void {
    const lines = (this.#partial + text).split("\n");
    this.#partial = (lines.pop() ?? "").slice(0, maxLineChars);
    for (const line of lines) this.#line(line);
  }

  end(): void {
    if (this.#partial !== "") this.#line(this.#partial);
    this.#partial = "";
  }

  /** The summary line's counts if there was one, else one count per completed resource. */
  get counts(): ResourceCounts {
    return this.#summary ?? { ...this.#completed };
  }

  get sawSummary(): boolean {
    return this.#summary !== undefined;
  }

  get firstError(): string | undefined {
    return this.#firstError;
  }

  #line(raw: string): void {
    const line = raw.replace(/\r$/, "").trimEnd();
    const summary = summaryLine.exec(line);
    if (summary) {
      this.#summary = parseSummary(summary[1] ?? "");
      return;
    }
    const done = completion.exec(line);
    if (done) {
      if (done[1] === "Creation") this.#completed.additions += 1;
      else if (done[1] === "Modifications") this.#completed.changes += 1;
      else if (done[1] === "Destruction") this.#completed.destructions += 1;
      else this.#completed.imports += 1;
      return;
    }
    if (this.#firstError === undefined) {
      const error = errorLine.exec(line);
      if (error?.[1]) this.#firstError = error[1];
    }
  }
}

function parseSummary(text: string): ResourceCounts {
  const counts = { ...zeroCounts };
  for (const part of text.split(",")) {
    const item = /(\d+) (imported|added|changed|destroyed)/.exec(part);
    if (!item) continue;
    const n = Number(item[1]);
    if (item[2] === "imported") counts.imports = n;
    else if (item[2] === "added") counts.additions = n;
    else if (item[2] === "changed") counts.changes = n;
    else counts.destructions = n;
  }
  return counts;
}
