import { describe, expect, test } from "bun:test";
import { OutputWatcher, summarizePlan } from "./plan-summary.ts";

const rc = (actions: string[], extra: Record<string, unknown> = {}) => ({
  address: "x",
  mode: "managed",
  change: { actions, ...extra },
});

describe("summarizePlan", () => {
  test.each([
    ["nothing", [], {}, { additions: 0, changes: 0, destructions: 0, imports: 0 }, false],
    ["a create", [rc(["create"])], {}, { additions: 1, changes: 0, destructions: 0, imports: 0 }, true],
    ["an update", [rc(["update"])], {}, { additions: 0, changes: 1, destructions: 0, imports: 0 }, true],
    ["a delete", [rc(["delete"])], {}, { additions: 0, changes: 0, destructions: 1, imports: 0 }, true],
    [
      "a replace (delete first)",
      [rc(["delete", "create"])],
      {},
      { additions: 1, changes: 0, destructions: 1, imports: 0 },
      true,
    ],
    [
      "a replace (create first)",
      [rc(["create", "delete"])],
      {},
      { additions: 1, changes: 0, destructions: 1, imports: 0 },
      true,
    ],
    [
      "an import without changes",
      [rc(["no-op"], { importing: { id: "i-1" } })],
      {},
      { additions: 0, changes: 0, destructions: 0, imports: 1 },
      true,
    ],
    [
      "an import with an update",
      [rc(["update"], { importing: { id: "i-1" } })],
      {},
      { additions: 0, changes: 1, destructions: 0, imports: 1 },
      true,
    ],
    [
      "reads and no-ops",
      [rc(["read"]), rc(["no-op"])],
      {},
      { additions: 0, changes: 0, destructions: 0, imports: 0 },
      false,
    ],
    [
      "a forget (tofu)",
      [rc(["forget"])],
      {},
      { additions: 0, changes: 0, destructions: 0, imports: 0 },
      true,
    ],
    [
      "output changes only",
      [rc(["no-op"])],
      { output_changes: { a: { actions: ["update"] }, b: { actions: ["no-op"] } } },
      { additions: 0, changes: 0, destructions: 0, imports: 0 },
      true,
    ],
    [
      "unchanged outputs",
      [],
      { output_changes: { b: { actions: ["no-op"] } } },
      { additions: 0, changes: 0, destructions: 0, imports: 0 },
      false,
    ],
    [
      "a mix",
      [rc(["create"]), rc(["create"]), rc(["update"]), rc(["delete", "create"]), rc(["delete"])],
      {},
      { additions: 3, changes: 1, destructions: 2, imports: 0 },
      true,
    ],
  ])("counts %s", (_label, resourceChanges, extra, counts, changes) => {
    expect(summarizePlan({ format_version: "1.2", resource_changes: resourceChanges, ...extra })).toEqual({
      counts,
      changes,
    });
  });

  test("accepts a plan without resource_changes and refuses garbage", () => {
    expect(summarizePlan({ format_version: "1.2" }).changes).toBe(false);
    expect(() => summarizePlan({ resource_changes: [{ change: {} }] })).toThrow();
  });
});

describe("OutputWatcher", () => {
  const watch = (chunks: string[]) => {
    const w = new OutputWatcher();
    for (const c of chunks) w.push(c);
    w.end();
    return w;
  };

  test.each([
    [
      "Apply complete! Resources: 2 added, 1 changed, 3 destroyed.\n",
      { additions: 2, changes: 1, destructions: 3, imports: 0 },
    ],
    [
      "Apply complete! Resources: 4 imported, 0 added, 1 changed, 0 destroyed.\n",
      { additions: 0, changes: 1, destructions: 0, imports: 4 },
    ],
    [
      "Destroy complete! Resources: 5 destroyed.\n",
      { additions: 0, changes: 0, destructions: 5, imports: 0 },
    ],
    [
      "Apply complete! Resources: 0 added, 0 changed, 0 destroyed.",
      { additions: 0, changes: 0, destructions: 0, imports: 0 },
    ],
  ])("reads the summary line %p", (line, counts) => {
    const w = watch(["noise\n", line]);
    expect(w.sawSummary).toBe(true);
    expect(w.counts).toEqual(counts);
  });

  test("counts completed resources when there is no summary (a failed apply)", () => {
    const w = watch([
      "a.b: Creating...\na.b: Creation complete after 0s [id=1]\n",
      "c.d: Modifications complete after 1s [id=2]\r\nm.e[0]: Destruction complete after 2s\n",
      "x.y: Creation comp",
      "lete after 3m4s [id=3]\n",
      "z.z: Still creating... [10s elapsed]\n",
    ]);
    expect(w.sawSummary).toBe(false);
    expect(w.counts).toEqual({ additions: 2, changes: 1, destructions: 1, imports: 0 });
  });

  test("finds the first error, boxed or not", () => {
    expect(
      watch(["╷\n│ Error: Invalid reference\n│ \n│   on main.tf line 1\n╵\n", "Error: second\n"]).firstError,
    ).toBe("Error: Invalid reference");
    expect(watch(["\nError: Failed to load plugin schemas\n"]).firstError).toBe(
      "Error: Failed to load plugin schemas",
    );
    expect(watch(["all good\n"]).firstError).toBeUndefined();
  });

  test("keeps a bounded partial line", () => {
    const w = new OutputWatcher();
    w.push("x".repeat(100_000));
    w.push("\nApply complete! Resources: 1 added, 0 changed, 0 destroyed.\n");
    expect(w.counts.additions).toBe(1);
  });
});
