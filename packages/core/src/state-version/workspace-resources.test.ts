import { describe, expect, test } from "bun:test";
import { displayModule, displayProvider, resourceInstances } from "./workspace-resources.ts";

describe("workspace resources", () => {
  test("module paths lose their `module.` prefixes, but not inside keys", () => {
    expect(displayModule("root")).toBe("root");
    expect(displayModule("module.media_bucket")).toBe("media_bucket");
    expect(displayModule('module.a["k"].module.b')).toBe('a["k"].b');
    expect(displayModule('module.a["x.module.y"]')).toBe('a["x.module.y"]');
  });

  test("providers lose the default registry host", () => {
    expect(displayProvider('provider["registry.terraform.io/hashicorp/aws"]')).toBe("hashicorp/aws");
    expect(displayProvider('provider["registry.opentofu.org/hashicorp/null"].alias')).toBe("hashicorp/null");
    expect(displayProvider('provider["example.com/acme/thing"]')).toBe("example.com/acme/thing");
    expect(displayProvider("provider.aws")).toBe("provider.aws");
  });

  test("one entry per managed instance, with count and for_each keys; data sources left out", () => {
    const list = resourceInstances("ws-1", [
      {
        name: "this",
        type: "aws_s3_bucket_public_access_block",
        count: 1,
        module: "module.media_bucket",
        provider: 'provider["registry.terraform.io/hashicorp/aws"]',
        mode: "managed",
        indexKeys: [0],
      },
      {
        name: "each",
        type: "t",
        count: 2,
        module: "root",
        provider: "p",
        mode: "managed",
        indexKeys: ["a", "b"],
      },
      { name: "one", type: "t", count: 1, module: "root", provider: "p", mode: "managed" },
      { name: "d", type: "t", count: 1, module: "root", provider: "p", mode: "data" },
    ]);
    expect(list.map((r) => [r.address, r.module, r.provider, r.providerType, r.nameIndex])).toEqual([
      [
        "media_bucket.aws_s3_bucket_public_access_block.this[0]",
        "media_bucket",
        "hashicorp/aws",
        "aws_s3_bucket_public_access_block",
        "0",
      ],
      ['t.each["a"]', "root", "p", "t", "a"],
      ['t.each["b"]', "root", "p", "t", "b"],
      ["t.one", "root", "p", "t", null],
    ]);
    expect(new Set(list.map((r) => r.id)).size).toBe(4);
    expect(resourceInstances("ws-1", [])).toEqual([]);
    // Ids are stable for the same workspace and address, and differ between workspaces.
    const again = resourceInstances("ws-1", [
      { name: "one", type: "t", count: 1, module: "root", provider: "p", mode: "managed" },
    ]);
    expect(again[0]?.id).toBe(list[3]?.id);
    const other = resourceInstances("ws-2", [
      { name: "one", type: "t", count: 1, module: "root", provider: "p", mode: "managed" },
    ]);
    expect(other[0]?.id).not.toBe(list[3]?.id);
  });
});
