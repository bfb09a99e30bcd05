import { describe, expect, test } from "bun:test";
import type { JobVariable } from "@terrapod/runner-protocol";
import { envVariables, hclString, renderVarFile, VariableError } from "./var-file.ts";

const v = (key: string, value: string, extra: Partial<JobVariable> = {}): JobVariable => ({
  key,
  value,
  category: "terraform",
  hcl: false,
  sensitive: false,
  ...extra,
});

describe("hclString", () => {
  test.each([
    ["plain", '"plain"'],
    ["", '""'],
    ['say "hi"', '"say \\"hi\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["line1\nline2\r\n\tend", '"line1\\nline2\\r\\n\\tend"'],
    [`\${var.x} and %{ if true }`, `"$\${var.x} and %%{ if true }"`],
    ["$ {not} %x $$ %%", '"$ {not} %x $$ %%"'],
    ["bell\u0007 del\u007f", '"bell\\u0007 del\\u007f"'],
    ["ünïcødé ✓", '"ünïcødé ✓"'],
  ])("%p is written as %s", (value, expected) => {
    expect(hclString(value)).toBe(expected);
  });
});

describe("renderVarFile", () => {
  test("writes strings quoted, HCL values as expressions, and skips env variables", () => {
    const text = renderVarFile([
      v("region", "eu-west-1"),
      v("tags", '{ team = "core" }', { hcl: true }),
      v("count", " 3\n", { hcl: true }),
      v("password", `p"w\${x}`, { sensitive: true }),
      v("AWS_REGION", "eu-west-1", { category: "env" }),
    ]);
    expect(text.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([
      'region = "eu-west-1"',
      'tags = { team = "core" }',
      "count = 3",
      'password = "p\\"w$${x}"',
    ]);
  });

  test.each([
    ["a name that is not an identifier", [v("bad name", "x")], "not a valid Terraform variable name"],
    ["a name starting with a digit", [v("1x", "x")], "not a valid Terraform variable name"],
    ["an injected assignment", [v('x = "y"\nz', "x")], "not a valid Terraform variable name"],
    ["a duplicate", [v("a", "1"), v("a", "2")], "set more than once"],
    ["an empty HCL value", [v("a", "  ", { hcl: true })], "empty value"],
  ])("refuses %s", (_label, variables, message) => {
    expect(() => renderVarFile(variables)).toThrow(VariableError);
    expect(() => renderVarFile(variables)).toThrow(message);
  });
});

describe("envVariables", () => {
  test("keeps env variables only", () => {
    expect(
      envVariables([
        v("a", "1"),
        v("AWS_REGION", "eu", { category: "env" }),
        v("TF_LOG", "", { category: "env" }),
      ]),
    ).toEqual({ AWS_REGION: "eu", TF_LOG: "" });
  });

  test.each([
    ["a name with =", v("A=B", "x", { category: "env" })],
    ["an empty name", v("", "x", { category: "env" })],
    ["a NUL in the value", v("A", "x\0y", { category: "env" })],
  ])("refuses %s", (_label, variable) => {
    expect(() => envVariables([variable])).toThrow(VariableError);
  });
});
