import { describe, expect, test } from "bun:test";
import { protocolVersion } from "@terrapod/runner-protocol";
import { phaseOutcome, shutdownApplyMessage } from "./finish-job.ts";

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

describe("a phase the executor interrupted because its server shut down", () => {
  test("a canceled plan goes back to the queue, unclaimed", () => {
    const out = phaseOutcome("plan", { version: protocolVersion, status: "canceled" }, true);
    expect(out.event).toEqual({ type: "requeue" });
    expect(out.extra).toMatchObject({ claimedBy: null, shutdownInterruptedAt: null, runnerPid: null });
  });

  test("a canceled apply errors, saying the server shut down, with the runner's own words", () => {
    const out = phaseOutcome(
      "apply",
      { version: protocolVersion, status: "canceled", counts, errorMessage: "state upload failed" },
      true,
    );
    expect(out.event).toEqual({ type: "apply_errored" });
    expect(out.extra.errorMessage).toBe(`${shutdownApplyMessage} (state upload failed)`);
    expect(out.extra.applyAdditions).toBe(1);
  });

  test("a phase that finished or errored anyway keeps its own outcome", () => {
    expect(phaseOutcome("plan", { version: protocolVersion, status: "finished" }, true).event.type).toBe(
      "plan_finished",
    );
    expect(phaseOutcome("apply", { version: protocolVersion, status: "errored" }, true).event.type).toBe(
      "apply_errored",
    );
    expect(
      phaseOutcome("apply", { version: protocolVersion, status: "errored" }, true).extra.errorMessage,
    ).toBeNull();
  });
});
