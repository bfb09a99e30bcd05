import { describe, expect, test } from "bun:test";
import { TerrapodError } from "@terrapod/kernel";
import { DecryptionError } from "./errors.ts";
import { generateKeySpec, parseKeyring } from "./keyring.ts";
import { createSecretBox } from "./secret-box.ts";

const spec1 = generateKeySpec("k1");
const spec2 = generateKeySpec("k2");

describe("createSecretBox", () => {
  test("round-trips text, including empty and non-ASCII", () => {
    const box = createSecretBox(parseKeyring(spec1));
    for (const plaintext of ["", "hunter2", "ünïcødé ✓ 🔐", "x".repeat(100_000)]) {
      const sealed = box.encrypt(plaintext);
      expect(sealed.startsWith("tp1.k1.")).toBe(true);
      expect(sealed).not.toContain(plaintext.length > 3 ? plaintext : "\u0000");
      expect(box.decrypt(sealed)).toBe(plaintext);
    }
  });

  test("every encryption is different (fresh data key and nonces)", () => {
    const box = createSecretBox(parseKeyring(spec1));
    expect(box.encrypt("same")).not.toBe(box.encrypt("same"));
  });

  test("binds the associated data", () => {
    const box = createSecretBox(parseKeyring(spec1));
    const sealed = box.encrypt("secret", "var-123");
    expect(box.decrypt(sealed, "var-123")).toBe("secret");
    expect(() => box.decrypt(sealed, "var-456")).toThrow(DecryptionError);
    expect(() => box.decrypt(sealed)).toThrow(DecryptionError);
  });

  test("rotation: old ciphertexts still open, new ones use the new key", () => {
    const before = createSecretBox(parseKeyring(spec1));
    const old = before.encrypt("legacy");
    const after = createSecretBox(parseKeyring(`${spec2},${spec1}`));
    expect(after.activeKeyId).toBe("k2");
    expect(after.decrypt(old)).toBe("legacy");
    const fresh = after.encrypt("new");
    expect(after.keyIdOf(fresh)).toBe("k2");
    expect(after.keyIdOf(old)).toBe("k1");
    expect(() => before.decrypt(fresh)).toThrow('sealed with key "k2", which is not in the keyring');
  });

  test("a different key with the same id fails authentication", () => {
    const sealed = createSecretBox(parseKeyring(spec1)).encrypt("secret");
    const impostor = createSecretBox(parseKeyring(generateKeySpec("k1")));
    expect(() => impostor.decrypt(sealed)).toThrow(DecryptionError);
  });

  test("detects tampering anywhere in the payload", () => {
    const box = createSecretBox(parseKeyring(spec1));
    const sealed = box.encrypt("attack at dawn");
    const payload = Buffer.from(sealed.split(".")[2] ?? "", "base64url");
    for (let i = 0; i < payload.byteLength; i++) {
      const copy = Buffer.from(payload);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      expect(() => box.decrypt(`tp1.k1.${copy.toString("base64url")}`)).toThrow(DecryptionError);
    }
  });

  test("rejects malformed, truncated and foreign input with a TerrapodError", () => {
    const box = createSecretBox(parseKeyring(spec1));
    const sealed = box.encrypt("x");
    for (const bad of [
      "",
      "plain",
      "tp2.k1.AAAA",
      "tp1..AAAA",
      "tp1.k1.",
      "tp1.k1.!!!!",
      sealed.slice(0, 40),
      `${sealed}.x`,
    ]) {
      let caught: unknown;
      try {
        box.decrypt(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(DecryptionError);
      expect(caught).toBeInstanceOf(TerrapodError);
      expect((caught as DecryptionError).code).toBe("INVALID");
    }
  });
});
