import type { VariableCategory } from "./model.ts";

/**
 * Variable precedence for a run, as TFE documents it ("Workspace variables › Precedence"), lowest first:
 *
 *   1. global variable sets
 *   2. variable sets applied to the workspace's project
 *   3. variable sets applied to the workspace
 *   4. workspace variables
 *   5. run variables (`-var`, `-var-file`, `TF_VAR_*` sent by the CLI; Terraform category only)
 *   6. priority variable sets applied to the workspace
 *   7. priority variable sets applied to the workspace's project
 *   8. priority global variable sets
 *
 * A priority set exists to enforce values from above, so it beats everything with a more specific scope,
 * the CLI's `-var` included, and a broader priority set beats a narrower one (a priority global set wins
 * over all). Within one layer, when two sets define the same key, the set whose name sorts first by
 * Unicode code points wins, whatever was edited last (TFE: "A_Variable_Set" beats "B_Variable_Set").
 *
 * Categories are separate namespaces: a Terraform variable `x` and an environment variable `x` both apply.
 * Several run variables with one key: the last wins, as with repeated `-var` flags.
 *
 * Not modelled: variable sets owned by projects (Terrapod sets are always owned by the organization), and
 * `*.auto.tfvars` / `terraform.tfvars`, which travel in the configuration and rank below all of these.
 */
export const precedenceLayers = [
  "global-set",
  "project-set",
  "workspace-set",
  "workspace",
  "run",
  "priority-workspace-set",
  "priority-project-set",
  "priority-global-set",
] as const;
export type PrecedenceLayer = (typeof precedenceLayers)[number];

export type VariableSetScope = "global" | "project" | "workspace";

/** What the resolver needs to know about a stored variable. */
export type PrecedenceVariable = {
  readonly key: string;
  readonly category: VariableCategory;
  readonly sensitive: boolean;
};

/** A variable set as it reaches one workspace. */
export type ScopedVariableSet<V extends PrecedenceVariable> = {
  readonly id: string;
  readonly name: string;
  readonly priority: boolean;
  readonly scope: VariableSetScope;
  readonly variables: readonly V[];
};

/** A run variable: `value` is an HCL literal expression, so it is always `hcl`. */
export type RunVariable = { readonly key: string; readonly value: string };

export type ResolvedVariable<V extends PrecedenceVariable> =
  | {
      readonly from: "stored";
      readonly layer: Exclude<PrecedenceLayer, "run">;
      /** The set the winner came from (undefined for workspace variables). */
      readonly set: { readonly id: string; readonly name: string } | undefined;
      readonly variable: V;
    }
  | {
      readonly from: "run";
      readonly layer: "run";
      readonly key: string;
      readonly value: string;
      readonly category: "terraform";
      readonly hcl: true;
      /**
       * A run variable that replaces a sensitive variable stays sensitive: the key evidently names a
       * secret, and masking a value that did not need it is the cheaper mistake.
       */
      readonly sensitive: boolean;
    };

export type PrecedenceInput<V extends PrecedenceVariable> = {
  readonly sets: readonly ScopedVariableSet<V>[];
  readonly workspace: readonly V[];
  readonly run?: readonly RunVariable[] | undefined;
};

function setLayer(set: { readonly priority: boolean; readonly scope: VariableSetScope }): PrecedenceLayer {
  return set.priority ? `priority-${set.scope}-set` : `${set.scope}-set`;
}

/** Unicode code-point order (neither locale order nor UTF-16 code-unit order): "B" < "a". */
export function compareCodePoints(a: string, b: string): number {
  const as = Array.from(a);
  const bs = Array.from(b);
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const d = (as[i]?.codePointAt(0) ?? 0) - (bs[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return as.length - bs.length;
}

function slot(category: VariableCategory, key: string): string {
  return `${category}\u0000${key}`;
}

/**
 * The effective variables of a run: one winner per (category, key), sorted by category then key.
 * Pure; see the module comment for the order.
 */
export function resolveRunVariables<V extends PrecedenceVariable>(
  input: PrecedenceInput<V>,
): ResolvedVariable<V>[] {
  const winners = new Map<string, ResolvedVariable<V>>();
  const rank = (layer: PrecedenceLayer) => precedenceLayers.indexOf(layer);

  // Later writes win, so apply the layers lowest first and, inside a layer, the sets in reverse name
  // order (the set that sorts first is applied last).
  const sets = [...input.sets].sort(
    (a, b) =>
      rank(setLayer(a)) - rank(setLayer(b)) ||
      compareCodePoints(b.name, a.name) ||
      compareCodePoints(b.id, a.id),
  );
  const below = sets.filter((s) => rank(setLayer(s)) < rank("workspace"));
  const above = sets.filter((s) => rank(setLayer(s)) > rank("run"));

  const applySet = (set: ScopedVariableSet<V>) => {
    const layer = setLayer(set) as Exclude<PrecedenceLayer, "run">;
    for (const v of set.variables) {
      winners.set(slot(v.category, v.key), {
        from: "stored",
        layer,
        set: { id: set.id, name: set.name },
        variable: v,
      });
    }
  };

  for (const set of below) applySet(set);
  for (const v of input.workspace) {
    winners.set(slot(v.category, v.key), { from: "stored", layer: "workspace", set: undefined, variable: v });
  }
  for (const rv of input.run ?? []) {
    const replaced = winners.get(slot("terraform", rv.key));
    const wasSensitive =
      replaced === undefined
        ? false
        : replaced.from === "stored"
          ? replaced.variable.sensitive
          : replaced.sensitive;
    winners.set(slot("terraform", rv.key), {
      from: "run",
      layer: "run",
      key: rv.key,
      value: rv.value,
      category: "terraform",
      hcl: true,
      sensitive: wasSensitive,
    });
  }
  for (const set of above) applySet(set);

  return [...winners.entries()].sort(([a], [b]) => compareCodePoints(a, b)).map(([, resolved]) => resolved);
}
