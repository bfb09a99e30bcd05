import { describe, expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import {
  checkDestroySettings,
  type DestroySettings,
  executionModeOnCreate,
  executionModeOnUpdate,
} from "./settings.ts";

const at = new Date("2030-01-01T00:00:00Z");
const base: DestroySettings = { allowDestroyPlan: true, autoDestroyAt: at, executionMode: "remote" };

describe("checkDestroySettings", () => {
  test.each([
    ["no schedule, destroy plans off", { ...base, autoDestroyAt: null, allowDestroyPlan: false }],
    ["no schedule, local execution", { ...base, autoDestroyAt: null, executionMode: "local" as const }],
    ["a schedule on a remote workspace that allows destroy plans", base],
  ])("accepts %s", (_name, settings) => {
    expect(() => checkDestroySettings(settings)).not.toThrow();
  });

  test.each([
    ["destroy plans are off", { ...base, allowDestroyPlan: false }, "allow-destroy-plan is false"],
    ["execution is local", { ...base, executionMode: "local" as const }, "needs remote execution"],
  ])("refuses a schedule when %s", (_name, settings, message) => {
    let err: unknown;
    try {
      checkDestroySettings(settings);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).pointer).toBe("autoDestroyAt");
    expect((err as InvalidError).message).toContain(message);
  });
});

type ModeInput = Parameters<typeof executionModeOnCreate>[0];

describe("execution mode: own or the organization's default", () => {
  test.each<[string, ModeInput, object]>([
    ["nothing given: follows the default", {}, { executionMode: "local", executionModeInherited: true }],
    [
      "a mode given: its own",
      { executionMode: "remote" as const },
      { executionMode: "remote", executionModeInherited: false },
    ],
    [
      "overwrites true: keeps a copy",
      { executionModeInherited: false },
      { executionMode: "local", executionModeInherited: false },
    ],
    [
      "overwrites false: follows",
      { executionModeInherited: true },
      { executionMode: "local", executionModeInherited: true },
    ],
  ])("on create, %s", (_name, input, changes) => {
    expect(executionModeOnCreate(input, "local").changes).toEqual(changes);
  });

  const current = { executionMode: "remote" as const };
  test.each<[string, ModeInput, object, string]>([
    ["nothing given: unchanged", {}, {}, "remote"],
    [
      "a mode: its own",
      { executionMode: "local" as const },
      { executionMode: "local", executionModeInherited: false },
      "local",
    ],
    [
      "overwrites true: keeps the mode in use",
      { executionModeInherited: false },
      { executionMode: "remote", executionModeInherited: false },
      "remote",
    ],
    [
      "overwrites false: follows the default",
      { executionModeInherited: true },
      { executionModeInherited: true },
      "local",
    ],
  ])("on update, %s", (_name, input, changes, effective) => {
    const out = executionModeOnUpdate(input, current, "local");
    expect(out.changes).toEqual(changes);
    expect(out.effective).toBe(effective as "local" | "remote");
  });

  test("a mode and following the default at once is refused", () => {
    const both = { executionMode: "local" as const, executionModeInherited: true };
    expect(() => executionModeOnCreate(both, "remote")).toThrow(InvalidError);
    expect(() => executionModeOnUpdate(both, current, "remote")).toThrow(
      "follows its organization's default",
    );
  });
});
