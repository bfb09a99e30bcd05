import { describe, expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import { checkDestroySettings, type DestroySettings } from "./settings.ts";

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
