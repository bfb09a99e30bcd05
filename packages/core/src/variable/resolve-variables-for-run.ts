import { NotFoundError } from "@terrapod/kernel";
import { parseInput } from "../shared/validate.ts";
import { findWorkspaceById } from "../workspace/index.ts";
import type { VariableDeps } from "./deps.ts";
import { loadVariableLayers, precedenceInput } from "./layers.ts";
import { isHclIdentifier, type VariableCategory } from "./model.ts";
import { resolveRunVariables } from "./precedence.ts";
import { RunVariablesInput } from "./schemas.ts";
import { openValue } from "./stored.ts";

/** One variable as the runner receives it: plaintext, sensitive ones included. */
export type RunVariableValue = {
  readonly key: string;
  readonly value: string;
  readonly category: VariableCategory;
  /** Terraform category: the value is an HCL expression (true) or a literal string (false). */
  readonly hcl: boolean;
  readonly sensitive: boolean;
};

export type ResolvedRunVariables = {
  readonly variables: readonly RunVariableValue[];
  /** Every non-empty sensitive value (and the string inside a quoted HCL literal), for log masking. */
  readonly sensitiveValues: readonly string[];
};

/**
 * The effective variables of a run of `workspaceId` with TFE's precedence (see precedence.ts), values
 * decrypted. For the run machinery only: it performs no access check and its result must never reach an
 * API response.
 *
 * Terraform-category keys that are not HCL identifiers (TFE accepts keys such as UUIDs) are left out:
 * Terraform could never bind them to a declared variable, and a tfvars line for one would not parse.
 */
export async function resolveVariablesForRun(
  deps: VariableDeps,
  workspaceId: string,
  runVariables: RunVariablesInput,
): Promise<ResolvedRunVariables> {
  const run = parseInput(RunVariablesInput, runVariables);
  const ws = await findWorkspaceById(deps.db, workspaceId);
  if (!ws) throw new NotFoundError("workspace", workspaceId);
  const layers = await loadVariableLayers(deps, ws);
  const resolved = resolveRunVariables({
    ...precedenceInput(layers, (row) => ({
      key: row.key,
      category: row.category,
      sensitive: row.sensitive,
      hcl: row.hcl,
      value: openValue(deps.secrets, row),
    })),
    run,
  });
  const variables: RunVariableValue[] = resolved
    .map((r) =>
      r.from === "run"
        ? { key: r.key, value: r.value, category: r.category, hcl: r.hcl, sensitive: r.sensitive }
        : {
            key: r.variable.key,
            value: r.variable.value,
            category: r.variable.category,
            hcl: r.variable.hcl,
            sensitive: r.variable.sensitive,
          },
    )
    .filter((v) => v.category !== "terraform" || isHclIdentifier(v.key));
  return { variables, sensitiveValues: sensitiveValuesOf(variables) };
}

function sensitiveValuesOf(variables: readonly RunVariableValue[]): string[] {
  const out = new Set<string>();
  for (const v of variables) {
    if (!v.sensitive || v.value === "") continue;
    out.add(v.value);
    const inner = quotedStringContent(v);
    if (inner) out.add(inner);
  }
  return [...out];
}

/** `"abc"` → `abc` for an HCL value that is one quoted string literal (the usual `-var` shape). */
function quotedStringContent(v: RunVariableValue): string | undefined {
  if (!v.hcl || !/^".*"$/s.test(v.value)) return undefined;
  try {
    const parsed: unknown = JSON.parse(v.value);
    return typeof parsed === "string" && parsed !== "" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
