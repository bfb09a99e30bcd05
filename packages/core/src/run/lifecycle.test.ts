import { describe, expect, test } from "bun:test";
import {
  InvalidRunTransitionError,
  type RunEvent,
  type RunFlags,
  type RunStatus,
  runActions,
  transition,
} from "./lifecycle.ts";

const base: RunFlags = {
  status: "pending",
  planOnly: false,
  savePlan: false,
  autoApply: false,
  allowEmptyApply: false,
  forceCancelOpen: false,
};

type Row = [
  string,
  Partial<RunFlags> & { status: RunStatus },
  RunEvent,
  RunStatus | "refused",
  Record<string, unknown>?,
];

const table: Row[] = [
  ["queue a pending run", { status: "pending" }, { type: "queue" }, "plan_queued", { plan: "queued" }],
  ["start a queued plan", { status: "plan_queued" }, { type: "start" }, "planning", { plan: "running" }],
  ["start a queued apply", { status: "apply_queued" }, { type: "start" }, "applying", { apply: "running" }],
  [
    "a plan with changes awaits confirmation",
    { status: "planning" },
    { type: "plan_finished", hasChanges: true },
    "planned",
  ],
  [
    "a plan without changes is finished",
    { status: "planning" },
    { type: "plan_finished", hasChanges: false },
    "planned_and_finished",
    { apply: "unreachable" },
  ],
  [
    "allow-empty-apply keeps an empty plan confirmable",
    { status: "planning", allowEmptyApply: true },
    { type: "plan_finished", hasChanges: false },
    "planned",
  ],
  [
    "a speculative plan never applies",
    { status: "planning", planOnly: true, autoApply: true },
    { type: "plan_finished", hasChanges: true },
    "planned_and_finished",
  ],
  [
    "a saved plan waits for its apply",
    { status: "planning", savePlan: true },
    { type: "plan_finished", hasChanges: true },
    "planned_and_saved",
  ],
  [
    "auto-apply confirms itself",
    { status: "planning", autoApply: true },
    { type: "plan_finished", hasChanges: true },
    "apply_queued",
    { apply: "queued" },
  ],
  [
    "auto-apply of an empty plan finishes",
    { status: "planning", autoApply: true },
    { type: "plan_finished", hasChanges: false },
    "planned_and_finished",
  ],
  [
    "a failed plan errors",
    { status: "planning" },
    { type: "plan_errored" },
    "errored",
    { plan: "errored", apply: "unreachable" },
  ],
  ["confirm a planned run", { status: "planned" }, { type: "confirm" }, "apply_queued"],
  ["confirm a saved plan", { status: "planned_and_saved" }, { type: "confirm" }, "apply_queued"],
  ["cannot confirm while planning", { status: "planning" }, { type: "confirm" }, "refused"],
  ["cannot confirm an applied run", { status: "applied" }, { type: "confirm" }, "refused"],
  ["an apply finishes", { status: "applying" }, { type: "apply_finished" }, "applied", { apply: "finished" }],
  ["an apply errors", { status: "applying" }, { type: "apply_errored" }, "errored", { apply: "errored" }],
  ["discard a planned run", { status: "planned" }, { type: "discard" }, "discarded"],
  ["cannot discard a pending run", { status: "pending" }, { type: "discard" }, "refused"],
  [
    "cancel a pending run at once",
    { status: "pending" },
    { type: "cancel" },
    "canceled",
    { plan: "canceled" },
  ],
  [
    "cancel a queued apply at once",
    { status: "apply_queued" },
    { type: "cancel" },
    "canceled",
    { apply: "canceled" },
  ],
  [
    "cancel a running plan asks the runner to stop",
    { status: "planning" },
    { type: "cancel" },
    "planning",
    { signalCancel: true },
  ],
  ["cannot cancel a planned run (discard it)", { status: "planned" }, { type: "cancel" }, "refused"],
  [
    "the runner stopped a plan",
    { status: "planning" },
    { type: "phase_canceled" },
    "canceled",
    { plan: "canceled" },
  ],
  [
    "the runner stopped an apply",
    { status: "applying" },
    { type: "phase_canceled" },
    "canceled",
    { apply: "canceled" },
  ],
  [
    "force-cancel needs a cancel first, and its cool-off",
    { status: "applying" },
    { type: "force_cancel" },
    "refused",
  ],
  [
    "force-cancel after a cancel and its cool-off kills",
    { status: "applying", forceCancelOpen: true },
    { type: "force_cancel" },
    "force_canceled",
    { signalKill: true },
  ],
  ["an error ends a queued run", { status: "plan_queued" }, { type: "error" }, "errored"],
  ["an error cannot end a finished run", { status: "applied" }, { type: "error" }, "refused"],
];

describe("run status machine", () => {
  for (const [name, flags, event, expected, extra] of table) {
    test(name, () => {
      const run = { ...base, ...flags };
      if (expected === "refused") {
        expect(() => transition(run, event)).toThrow(InvalidRunTransitionError);
        return;
      }
      const t = transition(run, event);
      expect(t.status).toBe(expected);
      if (extra) expect(t).toMatchObject(extra);
    });
  }
});

describe("run actions", () => {
  test("a planned run is confirmable and discardable, not cancelable", () => {
    expect(runActions({ ...base, status: "planned" })).toEqual({
      isCancelable: false,
      isConfirmable: true,
      isDiscardable: true,
      isForceCancelable: false,
    });
  });
  test("a running apply is cancelable, force-cancelable only once force-cancel opened", () => {
    expect(runActions({ ...base, status: "applying" }).isForceCancelable).toBe(false);
    expect(runActions({ ...base, status: "applying", forceCancelOpen: true }).isForceCancelable).toBe(true);
    expect(runActions({ ...base, status: "canceled", forceCancelOpen: true }).isForceCancelable).toBe(false);
    expect(runActions({ ...base, status: "applying" }).isCancelable).toBe(true);
  });
});
