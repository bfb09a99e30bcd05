import { describe, expect, test } from "bun:test";
import {
  type BackingData,
  type BackingDataAction,
  BackingDataTransitionError,
  nextBackingData,
} from "./backing-data.ts";

const cases: [BackingData, BackingDataAction, BackingData | "refused"][] = [
  ["present", "soft_delete", "soft_deleted"],
  ["present", "restore", "refused"],
  ["present", "permanently_delete", "refused"],
  ["soft_deleted", "soft_delete", "refused"],
  ["soft_deleted", "restore", "present"],
  ["soft_deleted", "permanently_delete", "permanently_deleted"],
  ["permanently_deleted", "soft_delete", "refused"],
  ["permanently_deleted", "restore", "refused"],
  ["permanently_deleted", "permanently_delete", "refused"],
];

describe("backing data transitions", () => {
  for (const [from, action, expected] of cases) {
    test(`${from} + ${action} → ${expected}`, () => {
      if (expected === "refused") {
        let caught: unknown;
        try {
          nextBackingData("state version sv-1", from, action);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(BackingDataTransitionError);
        expect((caught as BackingDataTransitionError).title).toBe("transition not allowed");
        expect((caught as BackingDataTransitionError).code).toBe("CONFLICT");
      } else {
        expect(nextBackingData("state version sv-1", from, action)).toBe(expected);
      }
    });
  }
});
