import { describe, expect, test } from "bun:test";
import { protocolVersion } from "@terrapod/runner-protocol";
import { phaseOutcome } from "./finish-job.ts";

const counts = { additions: 1, changes: 2, destructions: 3, imports: 4 };

describe("a phase result becomes a run event", () => {
  test.each([
    ["plan", "finished", { type: "plan_finished", hasChanges: true }],
    ["plan", "errored", { type: "plan_errored" }],
    ["plan", "canceled", { type: "phase_canceled" }],
    ["apply", "finished", { type: "apply_finished" }],
    ["apply", "errored", { type: "apply_errored" }],
    ["apply", "canceled", { type: "phase_canceled" }],
  ] as const)("%s %s", (phase, status, event) => {
    const out = phaseOutcome(phase, { version: protocolVersion, status, hasChanges: true, counts });
    expect(out.event).toEqual(event);
  });

  test("a plan records its counts, whether it has changes and its error", () => {
    const out = phaseOutcome("plan", {
      version: protocolVersion,
      status: "errored",
      hasChanges: false,
      counts,
      errorMessage: "boom",
    });
    expect(out.extra).toEqual({
      hasChanges: false,
      errorMessage: "boom",
      planAdditions: 1,
      planChanges: 2,
      planDestructions: 3,
      planImports: 4,
    });
  });

  test("an apply records its counts; missing counts are null", () => {
    expect(phaseOutcome("apply", { version: protocolVersion, status: "finished", counts }).extra).toEqual({
      errorMessage: null,
      applyAdditions: 1,
      applyChanges: 2,
      applyDestructions: 3,
      applyImports: 4,
    });
    expect(phaseOutcome("plan", { version: protocolVersion, status: "finished" }).extra).toMatchObject({
      hasChanges: false,
      planAdditions: null,
    });
  });
});
