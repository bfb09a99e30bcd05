import { describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { InvalidError } from "@terrapod/kernel";
import { generateKeySpec, keyFingerprint, parseKeyring } from "./keyring.ts";

const key = () => randomBytes(32);

describe("parseKeyring", () => {
  test("parses id=BASE64 entries; the first is active", () => {
    const a = key();
    const b = key();
    const ring = parseKeyring(`new=${a.toString("base64")}, old=${b.toString("base64")}`);
    expect(ring.active.id).toBe("new");
    expect(ring.ids).toEqual(["new", "old"]);
    expect(ring.find("old")?.key.export()).toEqual(b);
    expect(ring.find("missing")).toBeUndefined();
  });

  test("a bare key gets the first 8 hex digits of its SHA-256 as id", () => {
    const raw = key();
    const ring = parseKeyring(raw.toString("base64"));
    const expected = createHash("sha256").update(raw).digest("hex").slice(0, 8);
    expect(ring.active.id).toBe(expected);
    expect(keyFingerprint(raw)).toBe(expected);
  });

  test("accepts URL-safe and unpadded base64 and surrounding whitespace", () => {
    const raw = key();
    const ring = parseKeyring(`  k1=${raw.toString("base64url")}\n`);
    expect(ring.active.key.export()).toEqual(raw);
  });

  test.each([
    ["an empty spec", "", "empty"],
    ["a blank spec", "   ", "empty"],
    [
      "a short key",
      `k1=${randomBytes(16).toString("base64")}`,
      'entry #1 ("k1"): key must decode to 32 bytes, got 16',
    ],
    ["a trailing comma", `k1=${key().toString("base64")},`, "entry #2 is empty"],
    [
      "a duplicate id",
      `k1=${key().toString("base64")},k1=${key().toString("base64")}`,
      'duplicate key id "k1"',
    ],
    ["an id with a space", `bad id=${key().toString("base64")}`, "key id must be"],
    ["non-base64 key", "k1=not*base64", 'entry #1 ("k1"): key is not valid base64'],
    ["a bad second entry", `${key().toString("base64")},short`, "entry #2"],
  ])("rejects %s", (_label, spec, message) => {
    expect(() => parseKeyring(spec)).toThrow(InvalidError);
    expect(() => parseKeyring(spec)).toThrow(message);
  });

  test("errors never echo key material", () => {
    const material = randomBytes(16).toString("base64");
    try {
      parseKeyring(`k=${material}`);
      throw new Error("expected parseKeyring to throw");
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidError);
      expect(String(err)).not.toContain(material);
    }
  });
});

describe("generateKeySpec", () => {
  test("produces a fresh, parseable id=BASE64 entry", () => {
    const spec = generateKeySpec();
    expect(spec).toMatch(/^[0-9a-f]{8}=[A-Za-z0-9+/]{43}=$/);
    const ring = parseKeyring(spec);
    expect(ring.active.id).toBe(spec.slice(0, 8));
    expect(generateKeySpec()).not.toBe(spec);
  });

  test("uses the id it is given, and validates it", () => {
    expect(parseKeyring(generateKeySpec("k2026")).active.id).toBe("k2026");
    expect(() => generateKeySpec("no spaces")).toThrow(InvalidError);
  });
});
