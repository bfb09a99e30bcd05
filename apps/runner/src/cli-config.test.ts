import { afterAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialsConfig, mirrorProviders, providerInstallationConfig } from "./cli-config.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("provider mirror CLI configuration", () => {
  test("lists host/namespace/type of a mirror", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mirror-"));
    dirs.push(dir);
    await mkdir(join(dir, "registry.terraform.io", "hashicorp", "null", "3.2.4", "linux_amd64"), {
      recursive: true,
    });
    await mkdir(join(dir, "registry.opentofu.org", "hashicorp", "null"), { recursive: true });
    expect(await mirrorProviders(dir)).toEqual([
      "registry.opentofu.org/hashicorp/null",
      "registry.terraform.io/hashicorp/null",
    ]);
    expect(await mirrorProviders(join(dir, "missing"))).toEqual([]);
  });

  test("mirrors exactly the listed providers and installs the rest directly", () => {
    const hcl = providerInstallationConfig('/m "x"', ["registry.terraform.io/hashicorp/null"]);
    expect(hcl).toContain('path    = "/m \\"x\\""');
    expect(hcl).toContain('include = ["registry.terraform.io/hashicorp/null"]');
    expect(hcl).toContain('exclude = ["registry.terraform.io/hashicorp/null"]');
    expect(providerInstallationConfig("/m", [])).toBe("");
  });
});

describe("the engine's credentials for the server", () => {
  test("one credentials block per host, all with the run token", () => {
    const hcl = credentialsConfig({ token: "tprun.abc_-.def", hosts: ["localhost:8443", "tp.example.com"] });
    expect(hcl).toBe(
      'credentials "localhost:8443" {\n  token = "tprun.abc_-.def"\n}\n' +
        'credentials "tp.example.com" {\n  token = "tprun.abc_-.def"\n}\n',
    );
  });

  test("nothing without a token; hosts and tokens that would need escaping are left out", () => {
    const interpolation = ["$", "{x}"].join("");
    expect(credentialsConfig(undefined)).toBe("");
    expect(credentialsConfig({ token: "tprun.x", hosts: [] })).toBe("");
    expect(credentialsConfig({ token: 'a"b', hosts: ["localhost"] })).toBe("");
    expect(credentialsConfig({ token: interpolation, hosts: ["localhost"] })).toBe("");
    const hcl = credentialsConfig({
      token: "tprun.x",
      hosts: ['evil" {', "[::1]:8443", interpolation, "ok.example"],
    });
    expect(hcl).toBe('credentials "ok.example" {\n  token = "tprun.x"\n}\n');
  });
});
