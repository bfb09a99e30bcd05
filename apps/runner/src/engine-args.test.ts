import { describe, expect, test } from "bun:test";
import type { JobSpec } from "@terrapod/runner-protocol";
import {
  applyArgs,
  engineBinaryPath,
  engineEnv,
  initArgs,
  isValidEngineVersion,
  logPreamble,
  planArgs,
  savedPlanTakesVariables,
} from "./engine-args.ts";

const op = (o: Partial<JobSpec["operation"]> = {}): JobSpec["operation"] => ({
  isDestroy: false,
  refresh: true,
  refreshOnly: false,
  targetAddrs: [],
  replaceAddrs: [],
  allowEmptyApply: false,
  planOnly: false,
  ...o,
});
const files = { planOut: "/w/tfplan", varFile: "/w/vars.tfvars" };

describe("planArgs", () => {
  test.each([
    ["a normal plan", op(), []],
    ["a destroy plan", op({ isDestroy: true }), ["-destroy"]],
    ["a refresh-only plan", op({ refreshOnly: true }), ["-refresh-only"]],
    ["a plan without refresh", op({ refresh: false }), ["-refresh=false"]],
    [
      "targets and replaces",
      op({ targetAddrs: ["aws_instance.a", 'module.m["k"].x'], replaceAddrs: ["aws_instance.b"] }),
      ["-target=aws_instance.a", '-target=module.m["k"].x', "-replace=aws_instance.b"],
    ],
    [
      "action invocations",
      op({ invokeActionAddrs: ["action.aws_lambda_invoke.x"] }),
      ["-invoke=action.aws_lambda_invoke.x"],
    ],
  ])("%s", (_label, operation, extra) => {
    expect(planArgs(operation, files)).toEqual([
      "plan",
      "-input=false",
      "-no-color",
      "-detailed-exitcode",
      "-out=/w/tfplan",
      ...extra,
      "-var-file=/w/vars.tfvars",
    ]);
  });
});

describe("other commands", () => {
  test("init and apply", () => {
    expect(initArgs()).toEqual(["init", "-input=false", "-no-color"]);
    expect(applyArgs("/w/tfplan")).toEqual([
      "apply",
      "-input=false",
      "-no-color",
      "-auto-approve",
      "/w/tfplan",
    ]);
    expect(applyArgs("/w/tfplan", "/w/v.tfvars")).toEqual([
      "apply",
      "-input=false",
      "-no-color",
      "-auto-approve",
      "-var-file=/w/v.tfvars",
      "/w/tfplan",
    ]);
  });

  test.each([
    ["tofu", "1.6.3", false],
    ["tofu", "1.8.9", false],
    ["tofu", "1.9.0", true],
    ["tofu", "1.12.6", true],
    ["terraform", "1.5.7", false],
    ["terraform", "1.9.8", false],
    ["terraform", "1.10.0", true],
    ["terraform", "1.10.0-rc1", true],
    ["terraform", "2.0.0", true],
  ] as const)("%s %s takes variables with a saved plan: %p", (engine, version, expected) => {
    expect(savedPlanTakesVariables(engine, version)).toBe(expected);
  });
});

describe("binaries and preamble", () => {
  test("the binary is <dir>/<engine>-<version>", () => {
    expect(engineBinaryPath("/opt/bin", "tofu", "1.12.6")).toBe("/opt/bin/tofu-1.12.6");
    expect(engineBinaryPath("/opt/bin", "terraform", "1.10.0-beta1")).toBe("/opt/bin/terraform-1.10.0-beta1");
  });

  test.each(["../../bin/sh", "1.2", "1.2.3/../x", "", "v1.2.3", "1.2.3 "])(
    "refuses version %p",
    (version) => {
      expect(isValidEngineVersion(version)).toBe(false);
      expect(() => engineBinaryPath("/opt/bin", "tofu", version)).toThrow("invalid engine version");
    },
  );

  test("three preamble lines per engine", () => {
    expect(logPreamble("terraform", "1.5.7")).toBe(
      "Terraform v1.5.7\non linux_amd64\nInitializing plugins and modules...\n",
    );
    expect(logPreamble("tofu", "1.12.6").split("\n").slice(0, 3)).toEqual([
      "OpenTofu v1.12.6",
      "on linux_amd64",
      "Initializing plugins and modules...",
    ]);
  });
});

describe("engineEnv", () => {
  test("is built from scratch, with the workspace's variables last", () => {
    expect(
      engineEnv({
        path: "/usr/bin:/bin",
        home: "/w/home",
        tmpDir: "/w/tmp",
        variables: { AWS_REGION: "eu", TF_LOG: "debug" },
      }),
    ).toEqual({
      PATH: "/usr/bin:/bin",
      HOME: "/w/home",
      TMPDIR: "/w/tmp",
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      CHECKPOINT_DISABLE: "1",
      AWS_REGION: "eu",
      TF_LOG: "debug",
    });
  });
});
