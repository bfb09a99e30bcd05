import { createHash } from "node:crypto";
import { InvalidError, type VariableId } from "@terrapod/kernel";
import type { z } from "zod";
import type { SecretSealer } from "../shared/secrets.ts";
import { SensitiveVariableError } from "./errors.ts";
import {
  keyProblem,
  type Variable,
  type VariableAttributes,
  type VariableCategory,
  type VariableOwner,
  variableAad,
} from "./model.ts";
import type { CreateVariableInput } from "./schemas.ts";

/**
 * Helpers shared by workspace variables and variable-set variables, which are stored alike: every value
 * sealed with the SecretBox under an AAD naming the variable, and a version id chained over the previous
 * one.
 */

/** The columns both variable tables have. */
export type StoredVariable = {
  readonly id: string;
  readonly key: string;
  /** Sealed. */
  readonly value: string;
  readonly category: VariableCategory;
  readonly hcl: boolean;
  readonly sensitive: boolean;
  readonly description: string;
  readonly versionId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

export function sealValue(secrets: SecretSealer, id: string, plaintext: string): string {
  return secrets.encrypt(plaintext, variableAad(id));
}

/** The plaintext of any variable, sensitive or not. Only the run-variable resolver may call this for sensitive ones. */
export function openValue(secrets: SecretSealer, row: StoredVariable): string {
  return secrets.decrypt(row.value, variableAad(row.id));
}

/**
 * The next version id: SHA-256 over the previous version id, the attributes and the sealed value (never
 * the plaintext, so the public version id reveals nothing about a sensitive value). Chaining makes it
 * change on every update, as TFE's does, even when nothing else changed.
 */
export function nextVersionId(previous: string, attrs: VariableAttributes, sealedValue: string): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        previous,
        attrs.key,
        attrs.category,
        attrs.hcl,
        attrs.sensitive,
        attrs.description,
        sealedValue,
      ]),
    )
    .digest("hex");
}

/** Domain view of a stored row: sensitive values stay sealed and come out as null. */
export function toVariable(row: StoredVariable, owner: VariableOwner, secrets: SecretSealer): Variable {
  return {
    id: row.id as VariableId,
    owner,
    key: row.key,
    value: row.sensitive ? null : openValue(secrets, row),
    category: row.category,
    hcl: row.hcl,
    sensitive: row.sensitive,
    description: row.description,
    versionId: row.versionId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export type VariableChanges = {
  readonly key?: string | undefined;
  readonly value?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly category?: VariableCategory | undefined;
  readonly hcl?: boolean | undefined;
  readonly sensitive?: boolean | undefined;
};

/**
 * Applies an update to a variable's attributes. Refuses to make a sensitive variable readable again and
 * checks a changed key against the resulting category (a key that was valid for `terraform` may not be
 * for `env`).
 */
export function mergeAttributes(current: VariableAttributes, changes: VariableChanges): VariableAttributes {
  if (current.sensitive && changes.sensitive === false) throw new SensitiveVariableError();
  const next: VariableAttributes = {
    key: changes.key ?? current.key,
    category: changes.category ?? current.category,
    hcl: changes.hcl ?? current.hcl,
    sensitive: changes.sensitive ?? current.sensitive,
    description: changes.description === undefined ? current.description : (changes.description ?? ""),
  };
  if (next.key !== current.key || next.category !== current.category) {
    const problem = keyProblem(next.key, next.category);
    if (problem) throw new InvalidError(`key: ${problem}`, "key");
  }
  return next;
}

/** The attributes of a stored row. */
export function attributesOf(row: StoredVariable): VariableAttributes {
  return {
    key: row.key,
    category: row.category,
    hcl: row.hcl,
    sensitive: row.sensitive,
    description: row.description,
  };
}

/**
 * The columns to write for a new variable or an update. `value` undefined keeps the sealed value
 * (`keptSealed`); otherwise the new plaintext is sealed.
 */
export function storedColumns(
  secrets: SecretSealer,
  id: string,
  attrs: VariableAttributes,
  value: { readonly plaintext: string } | { readonly keptSealed: string },
  previousVersion: string,
) {
  const sealed = "plaintext" in value ? sealValue(secrets, id, value.plaintext) : value.keptSealed;
  return {
    key: attrs.key,
    category: attrs.category,
    hcl: attrs.hcl,
    sensitive: attrs.sensitive,
    description: attrs.description,
    value: sealed,
    versionId: nextVersionId(previousVersion, attrs, sealed),
  };
}

/** The attributes and columns of a new variable, with TFE's defaults for what the input leaves out. */
export function newVariableColumns(
  secrets: SecretSealer,
  id: string,
  input: z.output<typeof CreateVariableInput>,
) {
  const attrs: VariableAttributes = {
    key: input.key,
    category: input.category,
    hcl: input.hcl ?? false,
    sensitive: input.sensitive ?? false,
    description: input.description ?? "",
  };
  return { attrs, columns: storedColumns(secrets, id, attrs, { plaintext: input.value ?? "" }, id) };
}

/** The attributes and columns of an updated variable: the value is resealed only when the input sets one. */
export function changedVariableColumns(secrets: SecretSealer, row: StoredVariable, input: VariableChanges) {
  const attrs = mergeAttributes(attributesOf(row), input);
  const value = input.value === undefined ? { keptSealed: row.value } : { plaintext: input.value ?? "" };
  return { attrs, columns: storedColumns(secrets, row.id, attrs, value, row.versionId) };
}
