import type { VariableId, VariableSetId, WorkspaceId } from "@terrapod/kernel";

export const variableCategories = ["terraform", "env"] as const;
export type VariableCategory = (typeof variableCategories)[number];

/** Where a variable is defined: directly on a workspace, or in a variable set. */
export type VariableOwner =
  | { readonly kind: "workspace"; readonly id: WorkspaceId }
  | { readonly kind: "varset"; readonly id: VariableSetId };

/**
 * A workspace variable or a variable-set variable. `value` is null for sensitive variables: core never
 * hands out their plaintext, except to the runner through `resolveVariablesForRun`.
 */
export type Variable = {
  readonly id: VariableId;
  readonly owner: VariableOwner;
  readonly key: string;
  readonly value: string | null;
  readonly category: VariableCategory;
  readonly hcl: boolean;
  readonly sensitive: boolean;
  readonly description: string;
  /** Changes on every update, even one that changes nothing (TFE `version-id`). */
  readonly versionId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

/** A workspace variable by id; `workspaceId` undefined addresses it by its id alone (legacy `/vars/:id`). */
export type VariableRef = { readonly workspaceId?: string | undefined; readonly variableId: string };

/** The attributes of a variable a caller may set. */
export type VariableAttributes = {
  readonly key: string;
  readonly category: VariableCategory;
  readonly hcl: boolean;
  readonly sensitive: boolean;
  readonly description: string;
};

export const variableLimits = {
  keyMaxLength: 128,
  descriptionMaxLength: 512,
  valueMaxLength: 256 * 1024,
} as const;

/**
 * Terraform variable keys: letters, digits, `_` and `-`. TFE also accepts a leading digit (go-tfe's own
 * tests use UUIDs as keys), although such a key can never name a declared variable; see `isHclIdentifier`.
 */
export const terraformKeyPattern = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
/** Environment variable keys: a POSIX shell name. */
export const envKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const hclIdentifierPattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** True when `key` can name a Terraform input variable (and so can appear on the left of a tfvars line). */
export function isHclIdentifier(key: string): boolean {
  return hclIdentifierPattern.test(key);
}

/** Why `key` is not a valid key for `category`, or undefined when it is. */
export function keyProblem(key: string, category: VariableCategory): string | undefined {
  if (key === "") return "is required";
  if (key.length > variableLimits.keyMaxLength) {
    return `must be at most ${variableLimits.keyMaxLength} characters`;
  }
  if (category === "terraform" && !terraformKeyPattern.test(key)) {
    return "is invalid: a Terraform variable key may contain only letters, digits, '_' and '-'";
  }
  if (category === "env" && !envKeyPattern.test(key)) {
    return "is invalid: an environment variable key must start with a letter or '_' and contain only letters, digits and '_'";
  }
  return undefined;
}

/** The additional authenticated data that binds a sealed value to its variable. */
export function variableAad(id: string): string {
  return `variable:${id}`;
}
