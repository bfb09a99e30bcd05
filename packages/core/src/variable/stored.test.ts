import { describe, expect, test } from "bun:test";
import { InvalidError, type WorkspaceId } from "@terrapod/kernel";
import type { SecretSealer } from "../shared/secrets.ts";
import { SensitiveVariableError } from "./errors.ts";
import type { VariableAttributes } from "./model.ts";
import {
  changedVariableColumns,
  mergeAttributes,
  newVariableColumns,
  nextVersionId,
  type StoredVariable,
  storedColumns,
  toVariable,
} from "./stored.ts";

/** A reversible fake sealer that records the AAD it was given. */
function fakeSealer() {
  const calls: { op: "encrypt" | "decrypt"; aad: string | undefined }[] = [];
  const sealer: SecretSealer = {
    encrypt(plaintext, aad) {
      calls.push({ op: "encrypt", aad });
      return `sealed|${aad}|${Buffer.from(plaintext).toString("hex")}`;
    },
    decrypt(ciphertext, aad) {
      calls.push({ op: "decrypt", aad });
      const [tag, boundAad, hex] = ciphertext.split("|");
      if (tag !== "sealed" || boundAad !== aad) throw new Error("wrong aad");
      return Buffer.from(hex ?? "", "hex").toString();
    },
  };
  return { sealer, calls };
}

const attrs: VariableAttributes = {
  key: "region",
  category: "terraform",
  hcl: false,
  sensitive: false,
  description: "",
};

function stored(overrides: Partial<StoredVariable>, sealer: SecretSealer): StoredVariable {
  const id = overrides.id ?? "var-1";
  return {
    id,
    ...attrs,
    value: sealer.encrypt("eu-west-1", `variable:${id}`),
    versionId: "v0",
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

describe("mergeAttributes", () => {
  test("absent attributes keep their value; null description clears it", () => {
    expect(mergeAttributes({ ...attrs, description: "d" }, {})).toEqual({ ...attrs, description: "d" });
    expect(mergeAttributes({ ...attrs, description: "d" }, { description: null }).description).toBe("");
    expect(mergeAttributes(attrs, { hcl: true, key: "zone" })).toEqual({ ...attrs, hcl: true, key: "zone" });
  });

  test("a sensitive variable cannot be made non-sensitive", () => {
    expect(() => mergeAttributes({ ...attrs, sensitive: true }, { sensitive: false })).toThrow(
      SensitiveVariableError,
    );
    expect(mergeAttributes({ ...attrs, sensitive: true }, { sensitive: true }).sensitive).toBe(true);
    expect(mergeAttributes(attrs, { sensitive: true }).sensitive).toBe(true);
  });

  test("a category change re-checks the unchanged key", () => {
    const err = (() => {
      try {
        mergeAttributes({ ...attrs, key: "tf-key" }, { category: "env" });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).pointer).toBe("key");
  });

  test("an unchanged key and category are not re-checked", () => {
    expect(mergeAttributes({ ...attrs, key: "legacy key" }, { hcl: true }).key).toBe("legacy key");
  });
});

describe("version ids", () => {
  test("change on every update, even an empty one", () => {
    const v1 = nextVersionId("var-1", attrs, "sealed");
    const v2 = nextVersionId(v1, attrs, "sealed");
    expect(v2).not.toBe(v1);
    expect(nextVersionId(v1, attrs, "sealed")).toBe(v2);
  });

  test("are computed from the sealed value, never the plaintext", () => {
    const { sealer } = fakeSealer();
    const a = storedColumns(sealer, "var-1", attrs, { plaintext: "secret" }, "var-1");
    expect(a.versionId).toBe(nextVersionId("var-1", attrs, a.value));
    expect(a.value).not.toContain("secret");
  });
});

describe("storedColumns and toVariable", () => {
  test("seal with an AAD naming the variable and keep an unchanged sealed value", () => {
    const { sealer, calls } = fakeSealer();
    const cols = storedColumns(sealer, "var-9", attrs, { plaintext: "x" }, "var-9");
    expect(calls).toEqual([{ op: "encrypt", aad: "variable:var-9" }]);
    const kept = storedColumns(sealer, "var-9", attrs, { keptSealed: cols.value }, cols.versionId);
    expect(kept.value).toBe(cols.value);
    expect(calls).toHaveLength(1);
  });

  test("a sensitive value is never decrypted for a domain object", () => {
    const { sealer, calls } = fakeSealer();
    const row = stored({ sensitive: true }, sealer);
    calls.length = 0;
    const v = toVariable(row, { kind: "workspace", id: "ws-1" as WorkspaceId }, sealer);
    expect(v.value).toBeNull();
    expect(calls).toEqual([]);
  });

  test("a non-sensitive value is decrypted with its AAD", () => {
    const { sealer } = fakeSealer();
    const v = toVariable(stored({}, sealer), { kind: "workspace", id: "ws-1" as WorkspaceId }, sealer);
    expect(v.value).toBe("eu-west-1");
    const moved = stored({}, sealer);
    expect(() =>
      toVariable({ ...moved, id: "var-2" }, { kind: "workspace", id: "ws-1" as WorkspaceId }, sealer),
    ).toThrow("wrong aad");
  });
});

describe("newVariableColumns and changedVariableColumns", () => {
  test("a new variable gets TFE's defaults and an empty value when none is given", () => {
    const { sealer } = fakeSealer();
    const { attrs: made, columns } = newVariableColumns(sealer, "var-3", { key: "zone", category: "env" });
    expect(made).toEqual({ key: "zone", category: "env", hcl: false, sensitive: false, description: "" });
    expect(sealer.decrypt(columns.value, "variable:var-3")).toBe("");
    expect(columns.versionId).toBe(nextVersionId("var-3", made, columns.value));
  });

  test("an update without a value keeps the sealed value; with one, reseals it", () => {
    const { sealer, calls } = fakeSealer();
    const row = stored({}, sealer);
    calls.length = 0;
    const kept = changedVariableColumns(sealer, row, { description: "where" });
    expect(kept.columns.value).toBe(row.value);
    expect(kept.attrs.description).toBe("where");
    expect(kept.columns.versionId).not.toBe(row.versionId);
    expect(calls).toEqual([]);
    const changed = changedVariableColumns(sealer, row, { value: "us-east-2" });
    expect(sealer.decrypt(changed.columns.value, "variable:var-1")).toBe("us-east-2");
  });
});
