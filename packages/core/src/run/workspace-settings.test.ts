import { describe, expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import { checkWorkspaceAllows } from "./workspace-settings.ts";

const open = { name: "app", allowDestroyPlan: true, speculativeEnabled: true };

function refusal(fn: () => void): InvalidError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("checkWorkspaceAllows", () => {
  test.each([
    ["a plan and apply", open, { isDestroy: false, speculative: false }],
    ["a destroy run where destroy plans are allowed", open, { isDestroy: true, speculative: false }],
    [
      "a speculative plan where they are enabled",
      open,
      { isDestroy: false, speculative: true, planOnly: true },
    ],
    [
      "a plan and apply where destroy and speculative plans are off",
      { ...open, allowDestroyPlan: false, speculativeEnabled: false },
      { isDestroy: false, speculative: false },
    ],
  ])("allows %s", (_name, ws, run) => {
    expect(() => checkWorkspaceAllows(ws, run)).not.toThrow();
  });

  test("refuses a destroy run when allow-destroy-plan is false, at is-destroy", () => {
    const err = refusal(() =>
      checkWorkspaceAllows({ ...open, allowDestroyPlan: false }, { isDestroy: true, speculative: false }),
    );
    expect(err.pointer).toBe("isDestroy");
    expect(err.message).toContain("allow-destroy-plan setting is false");
  });

  test("refuses a plan-only run when speculative-enabled is false, at plan-only", () => {
    const ws = { ...open, speculativeEnabled: false };
    const err = refusal(() =>
      checkWorkspaceAllows(ws, { isDestroy: false, speculative: true, planOnly: true }),
    );
    expect(err.pointer).toBe("planOnly");
    expect(err.message).toContain("speculative-enabled setting is false");
  });

  test("refuses a run on a speculative configuration version, at the relationship", () => {
    const ws = { ...open, speculativeEnabled: false };
    const err = refusal(() => checkWorkspaceAllows(ws, { isDestroy: false, speculative: true }));
    expect(err.pointer).toBe("/data/relationships/configuration-version");
  });
});
