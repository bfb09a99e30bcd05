import { describe, expect, test } from "bun:test";
import { isHclIdentifier, keyProblem, type VariableCategory } from "./model.ts";
import { CreateVariableInput, RunVariablesInput, UpdateVariableInput } from "./schemas.ts";

const keyCases: [string, VariableCategory, boolean][] = [
  ["region", "terraform", true],
  ["_private", "terraform", true],
  ["with-dash", "terraform", true],
  ["Mixed_Case-9", "terraform", true],
  // TFE accepts UUID keys (go-tfe's own tests use them), though they never name a declared variable.
  ["3f2a0c1e-1b2c-4d5e-8f90-123456789abc", "terraform", true],
  ["has space", "terraform", false],
  ["dot.ted", "terraform", false],
  ["-leading-dash", "terraform", false],
  ["", "terraform", false],
  ["k".repeat(128), "terraform", true],
  ["k".repeat(129), "terraform", false],
  ["AWS_REGION", "env", true],
  ["_X", "env", true],
  ["lower_case1", "env", true],
  ["BAD-KEY", "env", false],
  ["1ABC", "env", false],
  ["A B", "env", false],
  ["é", "env", false],
];

describe("variable keys", () => {
  test.each(keyCases)("%p as %s: valid=%p", (key, category, valid) => {
    expect(keyProblem(key, category) === undefined).toBe(valid);
    const parsed = CreateVariableInput.safeParse({ key, category });
    expect(parsed.success).toBe(valid);
    if (!parsed.success) expect(parsed.error.issues[0]?.path).toEqual(["key"]);
  });

  test.each([
    ["region", true],
    ["with-dash", true],
    ["_x", true],
    ["3f2a0c1e", false],
    ["-x", false],
  ])("isHclIdentifier(%p) = %p", (key, expected) => {
    expect(isHclIdentifier(key)).toBe(expected);
  });
});

describe("CreateVariableInput", () => {
  test.each([
    ["category is required", { key: "k" }, ["category"]],
    ["category must be terraform or env", { key: "k", category: "policy-set" }, ["category"]],
    ["hcl must be a boolean", { key: "k", category: "env", hcl: "true" }, ["hcl"]],
    ["sensitive must be a boolean", { key: "k", category: "env", sensitive: 1 }, ["sensitive"]],
    ["value must be a string", { key: "k", category: "env", value: 42 }, ["value"]],
    [
      "description is at most 512",
      { key: "k", category: "env", description: "d".repeat(513) },
      ["description"],
    ],
    ["unknown fields are refused", { key: "k", category: "env", colour: "red" }, []],
  ])("%s", (_name, input, path) => {
    const parsed = CreateVariableInput.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(path);
  });

  test("null value and description are accepted", () => {
    expect(
      CreateVariableInput.parse({ key: "k", category: "terraform", value: null, description: null }),
    ).toEqual({ key: "k", category: "terraform", value: null, description: null });
  });
});

describe("UpdateVariableInput", () => {
  test("everything is optional", () => {
    expect(UpdateVariableInput.parse({})).toEqual({});
  });

  test("types are still checked", () => {
    expect(UpdateVariableInput.safeParse({ sensitive: "no" }).success).toBe(false);
  });
});

describe("RunVariablesInput", () => {
  test("HCL literals pass untouched", () => {
    const vars = [
      { key: "region", value: '"eu-west-1"' },
      { key: "count", value: "42" },
      { key: "list", value: '["a", "b"]' },
    ];
    expect(RunVariablesInput.parse(vars)).toEqual(vars);
  });

  test.each([["not an identifier"], ["1abc"], [""]])("key %p is refused", (key) => {
    expect(RunVariablesInput.safeParse([{ key, value: "1" }]).success).toBe(false);
  });
});
