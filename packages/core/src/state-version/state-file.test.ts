import { describe, expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import { createStateScanner, managedResourceCount, maxResourceSummaries, scanState } from "./state-file.ts";

const state = {
  version: 4,
  terraform_version: "1.5.7",
  serial: 7,
  lineage: "3f1c",
  outputs: {
    greeting: { value: "hi", type: "string" },
    secret: { value: "s", type: "string", sensitive: true },
  },
  resources: [
    {
      mode: "managed",
      type: "terraform_data",
      name: "a",
      provider: 'provider["terraform.io/builtin/terraform"]',
      instances: [{}, {}],
    },
    {
      module: "module.m",
      mode: "data",
      type: "terraform_remote_state",
      name: "b",
      provider: "p",
      instances: [{}],
    },
  ],
};

describe("state scanner", () => {
  test("extracts serial, lineage, outputs and a resource summary", () => {
    const facts = scanState(new TextEncoder().encode(JSON.stringify(state)));
    expect(facts.serial).toBe(7);
    expect(facts.lineage).toBe("3f1c");
    expect(facts.terraformVersion).toBe("1.5.7");
    expect(facts.formatVersion).toBe(4);
    expect(facts.outputs?.secret).toEqual({ value: "s", type: "string", sensitive: true });
    expect(facts.outputs?.greeting?.sensitive).toBe(false);
    expect(facts.resources).toEqual([
      {
        name: "a",
        type: "terraform_data",
        count: 2,
        module: "root",
        provider: 'provider["terraform.io/builtin/terraform"]',
        mode: "managed",
      },
      {
        name: "b",
        type: "terraform_remote_state",
        count: 1,
        module: "module.m",
        provider: "p",
        mode: "data",
      },
    ]);
    expect(managedResourceCount(facts.resources)).toBe(2);
    expect(facts.managedInstances).toBe(2);
  });

  test("keeps the instances' index keys (count and for_each), in order, only when every instance has one", () => {
    const keyed = {
      version: 4,
      serial: 1,
      lineage: "k",
      outputs: {},
      resources: [
        {
          mode: "managed",
          type: "t",
          name: "counted",
          provider: "p",
          instances: [
            { index_key: 0, attributes: { index_key: "not this one" } },
            { index_key: 1, attributes: {} },
          ],
        },
        {
          module: 'module.m["a"]',
          mode: "managed",
          type: "t",
          name: "each",
          provider: "p",
          instances: [{ attributes: {}, index_key: 'x]"y' }, { index_key: "b" }],
        },
        { mode: "managed", type: "t", name: "single", provider: "p", instances: [{ attributes: {} }] },
      ],
    };
    const bytes = new TextEncoder().encode(JSON.stringify(keyed, null, 1));
    const whole = scanState(bytes);
    expect(whole.resources.map((r) => [r.name, r.indexKeys])).toEqual([
      ["counted", [0, 1]],
      ["each", ['x]"y', "b"]],
      ["single", undefined],
    ]);
    const scanner = createStateScanner();
    for (let i = 0; i < bytes.length; i++) scanner.write(bytes.subarray(i, i + 1));
    expect(scanner.end()).toEqual(whole);
  });

  test("works across arbitrary chunk boundaries", () => {
    const bytes = new TextEncoder().encode(JSON.stringify(state));
    const scanner = createStateScanner();
    for (let i = 0; i < bytes.length; i += 3) scanner.write(bytes.subarray(i, i + 3));
    expect(scanner.end().serial).toBe(7);
  });

  test("opaque JSON (a client-encrypted envelope) yields no facts but is accepted", () => {
    const facts = scanState(
      new TextEncoder().encode('{"meta":{},"encrypted_data":"abc","encryption_version":"v0"}'),
    );
    expect(facts.serial).toBeUndefined();
    expect(facts.resources).toEqual([]);
  });

  test("bytes that are not JSON are refused", () => {
    expect(() => scanState(new TextEncoder().encode("not json at all"))).toThrow(InvalidError);
    expect(() => scanState(new TextEncoder().encode('{"serial": 1,'))).toThrow(InvalidError);
    expect(() => scanState(new Uint8Array())).toThrow(InvalidError);
  });
});

describe("state scanner grammar and edge cases", () => {
  const encode = (s: string) => new TextEncoder().encode(s);
  const tricky = {
    version: 4,
    serial: 12,
    lineage: 'quote " backslash \\ unicode é ✓ \u0001',
    outputs: {
      nested: {
        value: { a: [1, 2, { b: "}]" }], 'k"ey': null },
        type: ["object", { a: "list" }],
        sensitive: true,
      },
      n: { value: -1.5e3, type: "number" },
    },
    resources: [
      { mode: "managed", type: "t", name: "n", provider: "p", instances: [] },
      {
        mode: "managed",
        type: "t",
        name: "m",
        provider: "p",
        instances: [{ attributes: { s: "]}[{" } }, {}, {}],
      },
    ],
    check_results: null,
  };

  test("byte-at-a-time gives the same facts as one chunk", () => {
    const bytes = encode(JSON.stringify(tricky, null, 2));
    const whole = scanState(bytes);
    const scanner = createStateScanner();
    for (let i = 0; i < bytes.length; i++) scanner.write(bytes.subarray(i, i + 1));
    expect(scanner.end()).toEqual(whole);
    expect(whole.lineage).toBe(tricky.lineage);
    expect(whole.outputs?.nested?.value).toEqual(tricky.outputs.nested.value);
    expect(whole.outputs?.nested?.sensitive).toBe(true);
    expect(whole.outputs?.n?.value).toBe(-1500);
    expect(whole.resources.map((r) => [r.name, r.count])).toEqual([
      ["n", 0],
      ["m", 3],
    ]);
  });

  test.each([
    ["a bare array", "[1,2]"],
    ["two roots", '{"a":1}{"b":2}'],
    ["a missing colon", '{"a" 1}'],
    ["a trailing comma", '{"a":1,}'],
    ["an unterminated string", '{"a":"x'],
    ["an unterminated object", '{"a":{"b":1}'],
    ["a leading zero", '{"a":01}'],
    ["a bad literal", '{"a":tru}'],
    ["mismatched brackets", '{"a":[1}'],
    ["a raw control character", '{"a":"x\ny"}'],
    ["a scalar root", "42"],
  ])("refuses %s", (_name, text) => {
    expect(() => scanState(encode(text))).toThrow(InvalidError);
  });

  test("a 50 MB state streams with little memory", () => {
    const scanner = createStateScanner();
    const head = encode('{"version":4,"serial":3,"lineage":"big","outputs":{},"resources":[');
    scanner.write(head);
    const one = encode(
      `{"mode":"managed","type":"terraform_data","name":"r","provider":"p","instances":[{"attributes":{"input":"${"x".repeat(1000)}"}}]},`,
    );
    const before = process.memoryUsage().rss;
    const count = Math.ceil((50 * 1024 * 1024) / one.length);
    for (let i = 0; i < count; i++) scanner.write(one);
    scanner.write(encode('{"mode":"data","type":"t","name":"last","instances":[]}]}'));
    const facts = scanner.end();
    expect(facts.managedInstances).toBe(count);
    expect(facts.resources).toHaveLength(maxResourceSummaries);
    expect(facts.resourcesTruncated).toBe(true);
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });
});
