import { describe, expect, test } from "bun:test";
import { awaitsJsonState, pendingUploadTtlMs } from "./model.ts";

const now = new Date("2026-01-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);

describe("a state version awaits its JSON state", () => {
  test.each([
    ["pending", { status: "pending", hasJsonState: false, finalizedAt: null }, true],
    ["just finalized without it", { status: "finalized", hasJsonState: false, finalizedAt: ago(1000) }, true],
    ["finalized with it", { status: "finalized", hasJsonState: true, finalizedAt: ago(1000) }, false],
    [
      "finalized long ago without it",
      { status: "finalized", hasJsonState: false, finalizedAt: ago(pendingUploadTtlMs + 1) },
      false,
    ],
    ["discarded", { status: "discarded", hasJsonState: false, finalizedAt: null }, false],
  ] as const)("%s", (_name, sv, expected) => {
    expect(awaitsJsonState(sv, now)).toBe(expected);
  });

  test("an upload may replace it while the window lasts (a retried PUT), not after", () => {
    const recent = { status: "finalized", hasJsonState: true, finalizedAt: ago(1000) } as const;
    expect(awaitsJsonState(recent, now, { replace: true })).toBe(true);
    const old = { ...recent, finalizedAt: ago(pendingUploadTtlMs + 1) };
    expect(awaitsJsonState(old, now, { replace: true })).toBe(false);
  });
});
