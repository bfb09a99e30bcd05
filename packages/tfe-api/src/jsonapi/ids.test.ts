import { describe, expect, test } from "bun:test";
import { InvalidError, NotFoundError } from "@terrapod/kernel";
import { statusByCode } from "../errors.ts";
import { idInput, idParam, idParams, knownIds } from "./ids.ts";

describe("idParam", () => {
  test("returns a well-formed id of the kind", () => {
    expect(idParam("workspace", "ws-0000000000000001")).toBe("ws-0000000000000001" as never);
    expect(idParam("configurationVersion", "cv-AbC123")).toBe("cv-AbC123" as never);
  });

  test.each([
    ["workspace", "nope"],
    ["workspace", "run-0000000000000001"],
    ["workspace", "ws-"],
    ["workspace", "ws-has space"],
    ["workspace", "ws-l0ok"],
    ["run", "ws-0000000000000001"],
    ["variableSet", "var-0000000000000001"],
  ] as const)("%s %p is not found (404), worded like a missing one", (kind, raw) => {
    const err = (() => {
      try {
        idParam(kind, raw);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NotFoundError);
    expect(statusByCode[(err as NotFoundError).code]).toBe(404);
    expect((err as NotFoundError).message).toContain(raw);
  });

  test("names the kind as core does", () => {
    expect(() => idParam("configurationVersion", "x")).toThrow("configuration version x not found");
    expect(() => idParam("variableSet", "x")).toThrow("variable set x not found");
  });

  test("does not echo a huge id whole", () => {
    const raw = `ws-${"!".repeat(10_000)}`;
    expect(() => idParam("workspace", raw)).toThrow(/^workspace ws-!{77}… not found$/);
  });

  test("idParams fails on the first malformed id", () => {
    expect(idParams("workspace", ["ws-1", "ws-2"])).toEqual(["ws-1", "ws-2"] as never);
    expect(() => idParams("workspace", ["ws-1", "prj-2"])).toThrow(NotFoundError);
  });
});

describe("idInput", () => {
  test("a malformed id is invalid input (422) at the pointer", () => {
    try {
      idInput("project", "nope", { pointer: "/data/relationships/project" });
      throw new Error("expected an error");
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidError);
      expect((err as InvalidError).pointer).toBe("/data/relationships/project");
      expect((err as InvalidError).message).toBe('"nope" is not a project id (prj-…)');
    }
  });

  test("a malformed filter names the query parameter", () => {
    expect(() => idInput("project", "x", { parameter: "filter[project][id]" })).toThrow(
      'filter[project][id]: "x" is not a project id (prj-…)',
    );
    expect(idInput("project", "prj-1", { parameter: "filter[project][id]" })).toBe("prj-1" as never);
  });
});

test("knownIds skips ids that cannot be of the kind", () => {
  expect(knownIds("tag", ["tag-1", "nope", "ws-2", "tag-3"])).toEqual(["tag-1", "tag-3"] as never);
});
