import { describe, expect, test } from "bun:test";
import { parseE2eConfig } from "./config.ts";

// Any executable will do as a stand-in for a CLI build.
const exe = "/bin/sh";

describe("e2e config", () => {
  test("reads one CLI per TERRAPOD_E2E_<NAME>_<VERSION> variable, tofu first, newest first", () => {
    const config = parseE2eConfig({
      TERRAPOD_E2E_TERRAFORM_1_5_7: exe,
      TERRAPOD_E2E_TOFU_1_6_3: exe,
      TERRAPOD_E2E_TERRAFORM_1_13_3: exe,
      TERRAPOD_E2E_TOFU_1_12_6: exe,
      TERRAPOD_E2E_KEEP: "0",
      UNRELATED: "x",
    });
    expect(config.clis.map((c) => c.label)).toEqual([
      "tofu-1.12.6",
      "tofu-1.6.3",
      "terraform-1.13.3",
      "terraform-1.5.7",
    ]);
    expect(config.clis[0]).toEqual({ name: "tofu", version: "1.12.6", label: "tofu-1.12.6", path: exe });
    expect(config.keepDir).toBeUndefined();
  });

  test("fails loudly without any CLI, naming how to get them", () => {
    expect(() => parseE2eConfig({})).toThrow(/no CLI configured for the e2e tests; run e2e tests through/);
  });

  test("fails on a path that is not executable", () => {
    expect(() => parseE2eConfig({ TERRAPOD_E2E_TOFU_1_6_3: "/nonexistent/tofu" })).toThrow(
      /TERRAPOD_E2E_TOFU_1_6_3=\/nonexistent\/tofu is not an executable file/,
    );
  });

  test("TERRAPOD_E2E_ONLY narrows the matrix and rejects unknown labels", () => {
    const env = { TERRAPOD_E2E_TOFU_1_6_3: exe, TERRAPOD_E2E_TERRAFORM_1_5_7: exe };
    expect(parseE2eConfig({ ...env, TERRAPOD_E2E_ONLY: "terraform-1.5.7" }).clis.map((c) => c.label)).toEqual(
      ["terraform-1.5.7"],
    );
    expect(() => parseE2eConfig({ ...env, TERRAPOD_E2E_ONLY: "tofu-9.9.9" })).toThrow(
      /TERRAPOD_E2E_ONLY names tofu-9.9.9/,
    );
  });

  test("TERRAPOD_E2E_KEEP keeps test dirs in TERRAPOD_E2E_KEEP_DIR", () => {
    const config = parseE2eConfig({
      TERRAPOD_E2E_TOFU_1_6_3: exe,
      TERRAPOD_E2E_KEEP: "1",
      TERRAPOD_E2E_KEEP_DIR: "/tmp/kept",
      TERRAPOD_E2E_TF_LOG: "trace",
    });
    expect(config.keepDir).toBe("/tmp/kept");
    expect(config.tfLog).toBe("trace");
  });
});
