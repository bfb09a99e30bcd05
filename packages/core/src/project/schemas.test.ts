import { describe, expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import { parseProjectInput } from "./parse-input.ts";
import { CreateProjectInput, ListProjectsInput, UpdateProjectInput } from "./schemas.ts";

const nameCases: [string, boolean][] = [
  ["foo", true],
  ["Default Project", true],
  ["new project name", true],
  ["with-dash_and_underscore", true],
  // go-tfe's helpers: a UUID without hyphens (32), "foo-" + a UUID (40), "tst-proj-" + 20 characters.
  ["0f8fad5bd9cb469fa16570867728950e", true],
  ["foo-0f8fad5b-d9cb-469f-a165-70867728950e", true],
  ["tst-proj-0f8fad5b-d9cb-469f-a", true],
  ["a".repeat(40), true],
  ["a".repeat(41), false],
  ["ab", false],
  ["", false],
  [" leading", false],
  ["trailing ", false],
  ["! / nope", false],
  ["dot.ted", false],
  ["slash/ed", false],
  ["comma,separated", false],
  ["é-accent", false],
];

describe("project names", () => {
  test.each(nameCases)("%p: valid=%p", (name, valid) => {
    const parsed = CreateProjectInput.safeParse({ name });
    expect(parsed.success).toBe(valid);
    if (!parsed.success) expect(parsed.error.issues[0]?.path).toEqual(["name"]);
    expect(UpdateProjectInput.safeParse({ name }).success).toBe(valid);
  });

  test("a name is required on create, optional on update", () => {
    expect(CreateProjectInput.safeParse({}).success).toBe(false);
    expect(UpdateProjectInput.safeParse({}).success).toBe(true);
    expect(UpdateProjectInput.safeParse({ description: "only the description" }).success).toBe(true);
  });

  test("a name must be a string", () => {
    expect(CreateProjectInput.safeParse({ name: 42 }).success).toBe(false);
  });
});

describe("project descriptions", () => {
  test.each([
    ["", true],
    ["x".repeat(256), true],
    ["x".repeat(257), false],
  ])("%#: %p chars valid=%p", (description, valid) => {
    expect(CreateProjectInput.safeParse({ name: "foo", description }).success).toBe(valid);
  });

  test("null clears it", () => {
    expect(UpdateProjectInput.parse({ description: null })).toEqual({ description: null });
  });
});

describe("unknown fields", () => {
  test("are refused", () => {
    expect(CreateProjectInput.safeParse({ name: "foo", executionMode: "local" }).success).toBe(false);
    expect(UpdateProjectInput.safeParse({ isDefault: true }).success).toBe(false);
    expect(ListProjectsInput.safeParse({ tags: ["x"] }).success).toBe(false);
  });
});

describe("list filters", () => {
  test("names and query", () => {
    expect(ListProjectsInput.parse({ names: ["a b", "c"], query: "Def" })).toEqual({
      names: ["a b", "c"],
      query: "Def",
    });
    expect(
      ListProjectsInput.safeParse({ names: Array.from({ length: 101 }, (_, i) => `p${i}`) }).success,
    ).toBe(false);
  });
});

describe("parseProjectInput", () => {
  function problem(raw: unknown): InvalidError {
    try {
      parseProjectInput(CreateProjectInput, raw);
    } catch (err) {
      if (err instanceof InvalidError) return err;
      throw err;
    }
    throw new Error("expected an InvalidError");
  }

  test("words the detail as TFE does, led by the field's label", () => {
    const err = problem({ name: "! / nope" });
    expect(err.message).toStartWith("Name may only contain");
    expect(err.pointer).toBe("name");
    expect(err.title).toBe("invalid attribute");
    expect(problem({ name: "ab" }).message).toBe("Name is too short (minimum is 3 characters)");
    expect(problem({}).message).toBe("Name is required");
    expect(problem({ name: "foo", description: "x".repeat(257) }).message).toBe(
      "Description is too long (maximum is 256 characters)",
    );
  });

  test("returns the parsed input", () => {
    expect(parseProjectInput(CreateProjectInput, { name: "foo", description: "bar" })).toEqual({
      name: "foo",
      description: "bar",
    });
  });
});
