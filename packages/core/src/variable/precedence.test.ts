import { describe, expect, test } from "bun:test";
import type { VariableCategory } from "./model.ts";
import {
  type PrecedenceInput,
  type ResolvedVariable,
  type RunVariable,
  resolveRunVariables,
  type ScopedVariableSet,
  type VariableSetScope,
} from "./precedence.ts";

type V = { key: string; category: VariableCategory; sensitive: boolean; value: string };

const tf = (key: string, value: string, sensitive = false): V => ({
  key,
  value,
  sensitive,
  category: "terraform",
});
const env = (key: string, value: string, sensitive = false): V => ({
  key,
  value,
  sensitive,
  category: "env",
});

function set(name: string, scope: VariableSetScope, variables: V[], priority = false): ScopedVariableSet<V> {
  return { id: `varset-${name}`, name, scope, priority, variables };
}

/** `category/key=value@layer` per winner, with `!` marking a sensitive winner. */
function summary(resolved: ResolvedVariable<V>[]): string[] {
  return resolved.map((r) => {
    const [category, key, value, sensitive] =
      r.from === "run"
        ? [r.category, r.key, r.value, r.sensitive]
        : [r.variable.category, r.variable.key, r.variable.value, r.variable.sensitive];
    return `${category}/${key}=${value}@${r.layer}${sensitive ? "!" : ""}`;
  });
}

type Case = {
  name: string;
  sets?: ScopedVariableSet<V>[];
  workspace?: V[];
  run?: RunVariable[];
  expected: string[];
};

const cases: Case[] = [
  { name: "nothing in, nothing out", expected: [] },
  {
    name: "a workspace variable beats a global set",
    sets: [set("g", "global", [tf("region", "g")])],
    workspace: [tf("region", "ws")],
    expected: ["terraform/region=ws@workspace"],
  },
  {
    name: "a workspace variable beats a set applied to the workspace",
    sets: [set("s", "workspace", [tf("region", "set")])],
    workspace: [tf("region", "ws")],
    expected: ["terraform/region=ws@workspace"],
  },
  {
    name: "workspace-applied set > project-applied set > global set",
    sets: [
      set("a-global", "global", [tf("x", "global"), tf("y", "global"), tf("z", "global")]),
      set("b-project", "project", [tf("x", "project"), tf("y", "project")]),
      set("c-workspace", "workspace", [tf("x", "workspace")]),
    ],
    expected: [
      "terraform/x=workspace@workspace-set",
      "terraform/y=project@project-set",
      "terraform/z=global@global-set",
    ],
  },
  {
    name: "a run variable beats workspace variables and non-priority sets",
    sets: [set("g", "global", [tf("x", "g")]), set("w", "workspace", [tf("y", "w")])],
    workspace: [tf("z", "ws")],
    run: [
      { key: "x", value: '"run-x"' },
      { key: "y", value: "42" },
      { key: "z", value: '["a"]' },
    ],
    expected: ['terraform/x="run-x"@run', "terraform/y=42@run", 'terraform/z=["a"]@run'],
  },
  {
    name: "a run variable for an undefined key is added",
    run: [{ key: "fresh", value: "true" }],
    expected: ["terraform/fresh=true@run"],
  },
  {
    name: "repeated run variables: the last wins",
    run: [
      { key: "x", value: "1" },
      { key: "x", value: "2" },
    ],
    expected: ["terraform/x=2@run"],
  },
  {
    name: "run variables only touch the terraform category",
    workspace: [env("x", "env-x")],
    run: [{ key: "x", value: '"tf-x"' }],
    expected: ["env/x=env-x@workspace", 'terraform/x="tf-x"@run'],
  },
  {
    name: "categories are separate namespaces",
    sets: [set("s", "global", [tf("AWS_REGION", "tf-set"), env("AWS_REGION", "env-set")])],
    workspace: [tf("AWS_REGION", "tf-ws")],
    expected: ["env/AWS_REGION=env-set@global-set", "terraform/AWS_REGION=tf-ws@workspace"],
  },
  {
    name: "a priority set applied to the workspace beats workspace variables and run variables",
    sets: [set("p", "workspace", [tf("x", "prio"), env("E", "prio")], true)],
    workspace: [tf("x", "ws"), env("E", "ws")],
    run: [{ key: "x", value: '"run"' }],
    expected: ["env/E=prio@priority-workspace-set", "terraform/x=prio@priority-workspace-set"],
  },
  {
    name: "priority: global > project > workspace-applied",
    sets: [
      set("a", "workspace", [tf("x", "pw"), tf("y", "pw"), tf("z", "pw")], true),
      set("b", "project", [tf("x", "pp"), tf("y", "pp")], true),
      set("c", "global", [tf("x", "pg")], true),
    ],
    expected: [
      "terraform/x=pg@priority-global-set",
      "terraform/y=pp@priority-project-set",
      "terraform/z=pw@priority-workspace-set",
    ],
  },
  {
    name: "a non-priority global set stays below everything else",
    sets: [set("g", "global", [tf("x", "g")]), set("p", "workspace", [tf("x", "p")], true)],
    workspace: [tf("x", "ws")],
    expected: ["terraform/x=p@priority-workspace-set"],
  },
  {
    name: "same layer: the set whose name sorts first wins, whatever the input order",
    sets: [
      set("B_Variable_Set", "workspace", [tf("x", "B")]),
      set("A_Variable_Set", "workspace", [tf("x", "A")]),
      set("C_Variable_Set", "workspace", [tf("x", "C")]),
    ],
    expected: ["terraform/x=A@workspace-set"],
  },
  {
    name: "same layer: names compare by code point, so upper case sorts before lower case",
    sets: [set("alpha", "global", [tf("x", "lower")]), set("Zulu", "global", [tf("x", "upper")])],
    expected: ["terraform/x=upper@global-set"],
  },
  {
    name: "same layer: code points, not UTF-16 code units (U+FF21 sorts before U+1D49C)",
    sets: [set("\u{1D49C}", "global", [tf("x", "astral")]), set("\uFF21", "global", [tf("x", "bmp")])],
    expected: ["terraform/x=bmp@global-set"],
  },
  {
    name: "same layer among priority sets: the first name wins too",
    sets: [set("prod-b", "global", [tf("x", "b")], true), set("prod-a", "global", [tf("x", "a")], true)],
    expected: ["terraform/x=a@priority-global-set"],
  },
  {
    name: "name order only breaks ties inside a layer",
    sets: [set("A", "global", [tf("x", "A")]), set("Z", "workspace", [tf("x", "Z")])],
    expected: ["terraform/x=Z@workspace-set"],
  },
  {
    name: "a run variable replacing a sensitive variable stays sensitive",
    workspace: [tf("password", "secret", true), tf("region", "eu")],
    run: [
      { key: "password", value: '"other"' },
      { key: "region", value: '"us"' },
    ],
    expected: ['terraform/password="other"@run!', 'terraform/region="us"@run'],
  },
  {
    name: "sensitivity follows the winner",
    sets: [set("s", "global", [tf("token", "set-secret", true)])],
    workspace: [tf("token", "plain")],
    expected: ["terraform/token=plain@workspace"],
  },
  {
    name: "output is sorted by category, then key",
    workspace: [tf("b", "1"), env("Z", "2"), tf("a", "3"), env("A", "4")],
    expected: [
      "env/A=4@workspace",
      "env/Z=2@workspace",
      "terraform/a=3@workspace",
      "terraform/b=1@workspace",
    ],
  },
];

describe("resolveRunVariables", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const input: PrecedenceInput<V> = { sets: c.sets ?? [], workspace: c.workspace ?? [], run: c.run };
    expect(summary(resolveRunVariables(input))).toEqual(c.expected);
  });

  test("the winning set is named", () => {
    const [winner] = resolveRunVariables({
      sets: [set("b", "workspace", [tf("x", "b")]), set("a", "workspace", [tf("x", "a")])],
      workspace: [],
    });
    expect(winner?.from === "stored" ? winner.set : undefined).toEqual({ id: "varset-a", name: "a" });
  });

  test("does not mutate its input", () => {
    const sets = [set("b", "global", [tf("x", "b")]), set("a", "global", [tf("x", "a")])];
    resolveRunVariables({ sets, workspace: [] });
    expect(sets.map((s) => s.name)).toEqual(["b", "a"]);
  });
});
