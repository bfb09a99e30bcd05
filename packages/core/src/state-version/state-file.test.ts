import { describe, expect, test } from "bun:test";
import { InvalidError } from "@terrapod/kernel";
import { createStateScanner, managedResourceCount, scanState } from "./state-file.ts";

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
