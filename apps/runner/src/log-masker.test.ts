import { describe, expect, test } from "bun:test";
import type { JobVariable } from "@terrapod/runner-protocol";
import { createLogMasker, maskString, secretPatterns } from "./log-masker.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Feeds `text` to a fresh masker split at `cuts` (byte offsets), returns what it emitted. */
function maskInChunks(secrets: string[], text: string, cuts: number[]): { out: string; emitted: string[] } {
  const masker = createLogMasker(secrets);
  const bytes = encoder.encode(text);
  const emitted: string[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.byteLength]) {
    emitted.push(decoder.decode(masker.push(bytes.subarray(from, cut))));
    from = cut;
  }
  emitted.push(decoder.decode(masker.end()));
  return { out: emitted.join(""), emitted };
}

const everySplit = (text: string) =>
  Array.from({ length: encoder.encode(text).byteLength + 1 }, (_, i) => [i]);

describe("createLogMasker", () => {
  test.each([
    ["a secret in one chunk", ["hunter2-password"], "pw=hunter2-password!", "pw=***!"],
    ["every occurrence", ["hunter2-password"], "hunter2-password hunter2-password", "*** ***"],
    ["overlapping secrets as one run", ["abcdefgh12", "efgh12345678"], "xxabcdefgh12345678yy", "xx***yy"],
    ["nested secrets", ["long-secret-value", "secret-val"], "[long-secret-value]", "[***]"],
    ["overlapping occurrences of one secret", ["aaaaaaaa"], "aaaaaaaaaa!", "***!"],
    ["no secrets", [], "nothing to hide", "nothing to hide"],
    ["a short secret standing alone", ["t"], 'input = "t" and the rest', 'input = "***" and the rest'],
    ["a short secret inside words is left", ["true"], "construe untrue truest", "construe untrue truest"],
    ["a short secret at the edges", ["abc"], "abc def abc", "*** def ***"],
    ["a short secret with punctuation", ["p@ss!"], "user:p@ss!@host", "user:***@host"],
    ["multi-byte secrets", ["clé-secrète-ü"], "→clé-secrète-ü←", "→***←"],
  ])("masks %s", (_label, secrets, text, expected) => {
    expect(maskInChunks(secrets, text, []).out).toBe(expected);
  });

  test("masks secrets split at every possible byte boundary", () => {
    const secrets = ["s3cr3t-value-XYZ", "t", "overlapping-s3cr3t"];
    const text = 'a=s3cr3t-value-XYZ b="t" c=overlapping-s3cr3t-value-XYZ the end';
    const expected = 'a=*** b="***" c=*** the end';
    for (const cuts of everySplit(text)) expect(maskInChunks(secrets, text, cuts).out).toBe(expected);
    // and with three chunks
    for (let i = 0; i < text.length; i += 3) {
      for (let j = i; j < text.length; j += 5) expect(maskInChunks(secrets, text, [i, j]).out).toBe(expected);
    }
  });

  test("never emits part of a secret, even when it arrives byte by byte", () => {
    const secret = "correct-horse-battery-staple";
    const text = `log: ${secret} done`;
    const cuts = Array.from({ length: text.length }, (_, i) => i);
    const { out, emitted } = maskInChunks([secret], text, cuts);
    expect(out).toBe("log: *** done");
    for (const piece of emitted)
      expect("correct-horse-battery-staple".includes(piece) && piece.length > 3).toBe(false);
  });

  test("holds back only what could start a secret", () => {
    const masker = createLogMasker(["hunter2-password"]);
    expect(decoder.decode(masker.push(encoder.encode("Still creating... [10s elapsed]\n")))).toBe(
      "Still creating... [10s elapsed]\n",
    );
    expect(decoder.decode(masker.push(encoder.encode("value: hunt")))).toBe("value: ");
    expect(decoder.decode(masker.push(encoder.encode("ing season\n")))).toBe("hunting season\n");
    expect(decoder.decode(masker.end())).toBe("");
  });

  test("a short secret at the end of a chunk waits for the next byte", () => {
    const masker = createLogMasker(["abc"]);
    expect(decoder.decode(masker.push(encoder.encode("x abc")))).toBe("x ");
    expect(decoder.decode(masker.push(encoder.encode("d abc")))).toBe("abcd ");
    expect(decoder.decode(masker.end())).toBe("***");
  });
});

describe("secretPatterns", () => {
  const v = (key: string, value: string, sensitive: boolean): JobVariable => ({
    key,
    value,
    category: "terraform",
    hcl: false,
    sensitive,
  });

  test("takes sensitive values, their escaped forms and their longer lines", () => {
    const patterns = secretPatterns([
      v("plain", "visible", false),
      v("quoted", `say "hi" \${x}`, true),
      v("key", "-----BEGIN KEY-----\nAAAAbbbbCCCC\nxy\n-----END KEY-----", true),
      v("empty", "", true),
    ]);
    expect(patterns).not.toContain("visible");
    expect(patterns).toContain(`say "hi" \${x}`);
    expect(patterns).toContain(`say \\"hi\\" \${x}`);
    expect(patterns).toContain('say \\"hi\\" $${x}');
    expect(patterns).toContain("AAAAbbbbCCCC");
    expect(patterns).toContain("-----BEGIN KEY-----");
    expect(patterns).not.toContain("xy");
    expect(patterns).not.toContain("");
  });

  test("masks the way terraform prints a sensitive string", () => {
    const secrets = secretPatterns([v("token", `s3cr3t "quoted" \${not_a_template} \\ back`, true)]);
    const printed = '      + input = "s3cr3t \\"quoted\\" $${not_a_template} \\\\ back"';
    expect(maskString(secrets, printed)).toBe('      + input = "***"');
  });
});
