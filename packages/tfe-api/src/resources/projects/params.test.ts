import { describe, expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import type { JsonApiData } from "../../jsonapi/body.ts";
import { createProjectInput, listProjectsInput, updateProjectInput } from "./params.ts";

function doc(attributes: Record<string, unknown>, relationships: Record<string, unknown> = {}): JsonApiData {
  return { type: "projects", id: undefined, attributes, relationships };
}

function pointerOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidError) return err.pointer;
    throw err;
  }
  throw new Error("expected an InvalidError");
}

describe("create and update documents", () => {
  test("map name and description", () => {
    expect(createProjectInput(doc({ name: "foo", description: "qux" }))).toEqual({
      name: "foo",
      description: "qux",
    });
    expect(updateProjectInput(doc({ name: "bar" }))).toEqual({ name: "bar" });
  });

  test("accept settings sent as unset (what go-tfe and inheriting clients send)", () => {
    expect(
      createProjectInput(
        doc(
          {
            name: "foo",
            "auto-destroy-activity-duration": null,
            "default-execution-mode": null,
            "default-agent-pool-id": null,
            "setting-overwrites": { "default-execution-mode": false, "default-agent-pool": false },
          },
          { "tag-bindings": { data: [] } },
        ),
      ),
    ).toEqual({ name: "foo" });
  });

  test("ignore read-only attributes echoed back", () => {
    expect(updateProjectInput(doc({ name: "foo", "created-at": "x", "workspace-count": 3 }))).toEqual({
      name: "foo",
    });
  });

  test.each([
    [{ "auto-destroy-activity-duration": "3d" }, "/data/attributes/auto-destroy-activity-duration"],
    [{ "default-execution-mode": "local" }, "/data/attributes/default-execution-mode"],
    [{ "default-agent-pool-id": "apool-1" }, "/data/attributes/default-agent-pool-id"],
    [{ "setting-overwrites": { "default-execution-mode": true } }, "/data/attributes/setting-overwrites"],
    [{ "setting-overwrites": "yes" }, "/data/attributes/setting-overwrites"],
    [{ unknown: 1 }, "/data/attributes/unknown"],
  ])("refuse %p", (attrs, pointer) => {
    expect(pointerOf(() => createProjectInput(doc({ name: "foo", ...attrs })))).toBe(pointer);
    expect(pointerOf(() => updateProjectInput(doc(attrs)))).toBe(pointer);
  });

  test("refuse tag bindings", () => {
    const withTags = doc(
      { name: "foo" },
      { "tag-bindings": { data: [{ type: "tag-bindings", attributes: { key: "k" } }] } },
    );
    expect(pointerOf(() => createProjectInput(withTags))).toBe("/data/relationships/tag-bindings");
  });
});

describe("list query", () => {
  test("filter[names] is comma-separated, q is a search", () => {
    const sp = new URLSearchParams({ "filter[names]": "Default Project, other", q: "Def" });
    expect(listProjectsInput(sp)).toEqual({ names: ["Default Project", "other"], query: "Def" });
    expect(listProjectsInput(new URLSearchParams())).toEqual({});
  });
});
