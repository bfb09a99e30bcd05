import { describe, expect, test } from "bun:test";
import {
  appsImportPackagesOnly,
  checkFiles,
  coreDomainsThroughIndex,
  countLines,
  envReadsInConfig,
  fencedImports,
  formatViolation,
  isGenerated,
  isIgnoredPath,
  type Rule,
  sizeLimits,
  type Workspace,
} from "./structure-rules.ts";

const workspace: Workspace = new Map([
  ["@terrapod/server", "apps/server"],
  ["@terrapod/runner", "apps/runner"],
  ["@terrapod/listener", "apps/listener"],
  ["@terrapod/archive", "packages/archive"],
  ["@terrapod/core", "packages/core"],
  ["@terrapod/db", "packages/db"],
  ["@terrapod/events", "packages/events"],
  ["@terrapod/kernel", "packages/kernel"],
  ["@terrapod/runner-protocol", "packages/runner-protocol"],
]);

/** The rule's violations on one in-memory file, formatted as the script prints them. */
const run = (rule: Rule, path: string, source: string) =>
  rule({ path, source }, workspace).map(formatViolation);

/** A function of exactly `n` lines, opened by `head`. */
const fnOfLines = (n: number, head = "function big() {", tail = "}") =>
  [head, ...Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`), tail].join("\n");

const fileOfLines = (n: number) =>
  `${Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join("\n")}\n`;

describe("apps-packages: apps import workspace code only through @terrapod/<package>", () => {
  test("package names, the app's own files, npm packages and non-workspace folders pass", () => {
    const source = `
import { createServices } from "@terrapod/core";
import type { RunId } from "@terrapod/kernel";
import { Elysia } from "elysia";
import { readFile } from "node:fs/promises";
import { loadServerConfig } from "./config.ts";
import { tls } from "../../../e2e/lib/tls.ts";
export * from "../package-local.ts";
`;
    expect(run(appsImportPackagesOnly, "apps/server/src/main.ts", source)).toEqual([]);
  });

  test("a relative import across apps, into packages/, or of an app by name fails", () => {
    const source = `import { runPhase } from "../../runner/src/job.ts";
import { newId } from "../../../packages/kernel/src/ids.ts";
import type { Server } from "@terrapod/runner";
export * from "@terrapod/listener/src/x.ts";
const lazy = await import("../../runner/src/main.ts");
`;
    expect(run(appsImportPackagesOnly, "apps/server/src/main.ts", source)).toEqual([
      'apps/server/src/main.ts:1: apps-packages: relative import "../../runner/src/job.ts" reaches into apps/runner: apps never import each other',
      'apps/server/src/main.ts:2: apps-packages: relative import "../../../packages/kernel/src/ids.ts" reaches into packages/kernel: import @terrapod/kernel instead',
      "apps/server/src/main.ts:3: apps-packages: imports the app @terrapod/runner: apps import only packages",
      "apps/server/src/main.ts:4: apps-packages: imports the app @terrapod/listener: apps import only packages",
      'apps/server/src/main.ts:5: apps-packages: relative import "../../runner/src/main.ts" reaches into apps/runner: apps never import each other',
    ]);
  });

  test("packages never import an app, by name or by path, and reach other packages by name", () => {
    expect(
      run(appsImportPackagesOnly, "packages/core/src/run/x.ts", `import { a } from "@terrapod/kernel";\n`),
    ).toEqual([]);
    const source = `import { startServer } from "@terrapod/server";
import { main } from "../../../../apps/runner/src/main.ts";
import { ids } from "../../../kernel/src/ids.ts";
`;
    expect(run(appsImportPackagesOnly, "packages/core/src/run/x.ts", source)).toEqual([
      "packages/core/src/run/x.ts:1: apps-packages: imports the app @terrapod/server: packages never import an app",
      'packages/core/src/run/x.ts:2: apps-packages: relative import "../../../../apps/runner/src/main.ts" reaches into apps/runner: packages never import an app',
      'packages/core/src/run/x.ts:3: apps-packages: relative import "../../../kernel/src/ids.ts" reaches into packages/kernel: import @terrapod/kernel instead',
    ]);
  });
});

describe("fence: the listener and the runner protocol", () => {
  test("the listener may import kernel, runner-protocol, events, npm packages and builtins", () => {
    const source = `import type { RunId } from "@terrapod/kernel";
import { ClaimMessage } from "@terrapod/runner-protocol";
import { createRedisEvents } from "@terrapod/events";
import { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { setTimeout } from "node:timers/promises";
import { reconcile } from "./reconcile.ts";
`;
    expect(run(fencedImports, "apps/listener/src/main.ts", source)).toEqual([]);
  });

  test("a listener importing @terrapod/core (even a type, even a subpath) fails", () => {
    const source = `import { createServices } from "@terrapod/core";
import type { Db } from "@terrapod/db/client";
`;
    expect(run(fencedImports, "apps/listener/src/kube/launcher.ts", source)).toEqual([
      "apps/listener/src/kube/launcher.ts:1: fence: apps/listener may import only @terrapod/kernel, @terrapod/runner-protocol, @terrapod/events among workspace packages, not @terrapod/core (the listener never reaches the database or the core)",
      "apps/listener/src/kube/launcher.ts:2: fence: apps/listener may import only @terrapod/kernel, @terrapod/runner-protocol, @terrapod/events among workspace packages, not @terrapod/db (the listener never reaches the database or the core)",
    ]);
  });

  test("runner-protocol imports only @terrapod/kernel among workspace packages", () => {
    const ok = `import { z } from "zod";\nimport type { RunId } from "@terrapod/kernel";\n`;
    expect(run(fencedImports, "packages/runner-protocol/src/runner-messages.ts", ok)).toEqual([]);
    const bad = `import { z } from "zod";\nimport { extractArchive } from "@terrapod/archive";\n`;
    expect(run(fencedImports, "packages/runner-protocol/src/launcher.ts", bad)).toEqual([
      "packages/runner-protocol/src/launcher.ts:2: fence: packages/runner-protocol may import only @terrapod/kernel among workspace packages, not @terrapod/archive (protocol users must not pull in the core or a tar parser)",
    ]);
  });

  test("unfenced folders are not affected", () => {
    expect(run(fencedImports, "apps/server/src/main.ts", `import "@terrapod/core";\n`)).toEqual([]);
  });
});

describe("core-domains: other domains only through their index.ts", () => {
  test("index.ts of another domain, shared/, the own domain and the package root pass", () => {
    const source = `import { lockWorkspace } from "../workspace/index.ts";
import { validate } from "../shared/validate.ts";
import { ports } from "../shared/deep/ports.ts";
import { RunQueries } from "./queries.ts";
import type { Services } from "../index.ts";
import { eq } from "drizzle-orm";
`;
    expect(run(coreDomainsThroughIndex, "packages/core/src/run/create-run.ts", source)).toEqual([]);
    expect(
      run(coreDomainsThroughIndex, "packages/core/src/run/sub/x.ts", `import "../../workspace/index.ts";\n`),
    ).toEqual([]);
  });

  test("a deep cross-domain import fails, however the path is spelled", () => {
    const source = `import { findWorkspace } from "../workspace/queries.ts";
import { Workspace } from "../../workspace/model.ts";
import * as ws from "../workspace";
`;
    expect(run(coreDomainsThroughIndex, "packages/core/src/run/read.ts", source)).toEqual([
      'packages/core/src/run/read.ts:1: core-domains: "../workspace/queries.ts" reaches inside the workspace domain: import "../workspace/index.ts"',
      'packages/core/src/run/read.ts:3: core-domains: "../workspace" reaches inside the workspace domain: import "../workspace/index.ts"',
    ]);
    expect(
      run(
        coreDomainsThroughIndex,
        "packages/core/src/run/sub/read.ts",
        `import "../../workspace/model.ts";\n`,
      ),
    ).toEqual([
      'packages/core/src/run/sub/read.ts:1: core-domains: "../../workspace/model.ts" reaches inside the workspace domain: import "../../workspace/index.ts"',
    ]);
  });

  test("shared/ imports no domain, not even through its index.ts", () => {
    expect(
      run(coreDomainsThroughIndex, "packages/core/src/shared/deps.ts", `import "./validate.ts";\n`),
    ).toEqual([]);
    expect(
      run(
        coreDomainsThroughIndex,
        "packages/core/src/shared/deps.ts",
        `import type { Run } from "../run/index.ts";\n`,
      ),
    ).toEqual([
      'packages/core/src/shared/deps.ts:1: core-domains: shared/ is the shared kernel and imports no domain, but "../run/index.ts" is in run/',
    ]);
  });

  test("test files and files outside core are exempt", () => {
    const source = `import { findWorkspace } from "../workspace/queries.ts";\n`;
    expect(run(coreDomainsThroughIndex, "packages/core/src/run/create-run.test.ts", source)).toEqual([]);
    expect(run(coreDomainsThroughIndex, "packages/core/src/run/create-run.int.test.ts", source)).toEqual([]);
    expect(run(coreDomainsThroughIndex, "packages/tfe-api/src/run/x.ts", source)).toEqual([]);
  });
});

describe("env-reads: the environment is read only in config.ts", () => {
  const reads = `const a = Bun.env.PORT;
const b = process.env.HOME;
const c = process["env"];
const { env } = process;
const d = import.meta.env.MODE;
const e = globalThis.process.env.X;
const f = (process as NodeJS.Process).env;
const g = Bun?.env;
({ env: x } = Bun);
`;

  test("Bun.env, process.env, import.meta.env and their spellings are caught outside config.ts", () => {
    const found = [
      "1: Bun.env",
      "2: process.env",
      "3: process.env",
      "4: process.env (destructured)",
      "5: import.meta.env",
      "6: process.env",
      "7: process.env",
      "8: Bun.env",
      "9: Bun.env (destructured)",
    ];
    expect(run(envReadsInConfig, "apps/server/src/main.ts", reads)).toEqual(
      found.map((f) => {
        const [line, what] = f.split(": ");
        return `apps/server/src/main.ts:${line}: env-reads: ${what} outside a config.ts: read the environment in config.ts and pass the values in`;
      }),
    );
  });

  test("env imported from node:process or bun, and aliased process modules, are caught", () => {
    const source = `import { env } from "node:process";
import { env as bunEnv } from "bun";
import proc from "process";
const h = proc.env.HOME;
`;
    expect(run(envReadsInConfig, "packages/core/src/x.ts", source).map((l) => l.split(": ")[2])).toEqual([
      'process.env (imported from "node:process") outside a config.ts',
      'Bun.env (imported from "bun") outside a config.ts',
      "process.env outside a config.ts",
    ]);
  });

  test("config files, tooling, tests and test helpers may read it", () => {
    for (const path of [
      "apps/server/src/config.ts",
      "packages/storage/src/config.ts",
      "packages/db/drizzle.config.ts",
      "scripts/test.ts",
      "bench/run.ts",
      "e2e/lib/tls.ts",
      "apps/server/src/main.int.test.ts",
      "packages/testing/src/db.ts",
      "packages/core/src/testing/harness.ts",
    ]) {
      expect(run(envReadsInConfig, path, reads)).toEqual([]);
    }
  });

  test("other uses of process, Bun and env are not reads", () => {
    const source = `process.exit(1);
const env = { X: 1 };
env.X;
const config = { env: "prod" };
config.env;
type E = typeof process.env;
Bun.file("x");
const { argv } = process;
`;
    expect(run(envReadsInConfig, "apps/server/src/main.ts", source)).toEqual([]);
  });
});

describe("file-size and function-size", () => {
  test("a 400-line file passes and a 401-line file fails", () => {
    expect(countLines(fileOfLines(400))).toBe(400);
    expect(run(sizeLimits, "packages/core/src/run/x.ts", fileOfLines(400))).toEqual([]);
    expect(run(sizeLimits, "packages/core/src/run/x.ts", fileOfLines(401))).toEqual([
      "packages/core/src/run/x.ts:1: file-size: file has 401 lines (max 400)",
    ]);
  });

  test("an 80-line function passes and an 81-line function fails, with its length and first line", () => {
    expect(run(sizeLimits, "apps/server/src/x.ts", fnOfLines(80))).toEqual([]);
    expect(run(sizeLimits, "apps/server/src/x.ts", `// header\n${fnOfLines(81)}\n`)).toEqual([
      'apps/server/src/x.ts:2: function-size: function "big" has 81 lines (max 80)',
    ]);
  });

  test("methods, getters, arrow functions and callbacks each count", () => {
    const source = [
      "export class Store {",
      fnOfLines(81, "  async put(key: string) {", "  }"),
      fnOfLines(82, "  get size() {", "  }"),
      "}",
      `export const routes = (deps: unknown) =>\n  new Elysia().get("/", () => {\n${fnOfLines(83, "    const inner = () => {", "    };")}\n  });`,
      `const obj = {\n${fnOfLines(81, "  handler: async () => {", "  },")}\n};`,
    ].join("\n");
    expect(run(sizeLimits, "packages/tfe-api/src/routes.ts", source)).toEqual([
      'packages/tfe-api/src/routes.ts:2: function-size: method "put" has 81 lines (max 80)',
      'packages/tfe-api/src/routes.ts:83: function-size: getter "size" has 82 lines (max 80)',
      'packages/tfe-api/src/routes.ts:166: function-size: arrow function "routes" has 86 lines (max 80)',
      "packages/tfe-api/src/routes.ts:167: function-size: arrow function passed to .get() has 85 lines (max 80)",
      'packages/tfe-api/src/routes.ts:168: function-size: arrow function "inner" has 83 lines (max 80)',
      'packages/tfe-api/src/routes.ts:253: function-size: arrow function "handler" has 81 lines (max 80)',
    ]);
  });

  test("tests, test helpers, contracts and files outside src are exempt", () => {
    const big = `${fileOfLines(401)}${fnOfLines(81)}\n`;
    for (const path of [
      "packages/core/src/run/x.test.ts",
      "packages/core/src/run/x.int.test.ts",
      "packages/testing/src/harness.ts",
      "packages/core/src/testing/fakes.ts",
      "packages/storage/src/blob-store-contract.ts",
      "packages/db/drizzle.config.ts",
      "scripts/test.ts",
    ]) {
      expect(run(sizeLimits, path, big)).toEqual([]);
    }
  });
});

describe("checkFiles and the file filters", () => {
  test("runs every rule, reports files that do not parse, and sorts by path and line", () => {
    const files = [
      { path: "apps/server/src/main.ts", source: `import "@terrapod/runner";\nconst p = Bun.env.PORT;\n` },
      { path: "apps/runner/src/broken.ts", source: "const = ;\n" },
    ];
    const lines = checkFiles(files, workspace).map(formatViolation);
    expect(lines[0]).toStartWith("apps/runner/src/broken.ts:1: parse: ");
    expect(lines.slice(1)).toEqual([
      "apps/server/src/main.ts:1: apps-packages: imports the app @terrapod/runner: apps import only packages",
      "apps/server/src/main.ts:2: env-reads: Bun.env outside a config.ts: read the environment in config.ts and pass the values in",
    ]);
    expect(
      checkFiles([{ path: "apps/server/src/ok.ts", source: "export const ok = 1;\n" }], workspace),
    ).toEqual([]);
  });

  test("node_modules, drizzle/, dot-dirs, non-TypeScript and generated files are skipped", () => {
    expect(isIgnoredPath("apps/server/src/main.ts")).toBe(false);
    expect(isIgnoredPath("apps/web/src/App.tsx")).toBe(false);
    expect(isIgnoredPath("packages/core/node_modules/zod/index.ts")).toBe(true);
    expect(isIgnoredPath("packages/db/drizzle/0001.ts")).toBe(true);
    expect(isIgnoredPath("apps/server/.terrapod/x.ts")).toBe(true);
    expect(isIgnoredPath("apps/server/package.json")).toBe(true);
    expect(isIgnoredPath("packages/tfe-api/src/schema.generated.ts")).toBe(true);
    expect(isGenerated("// @generated by drizzle-kit\nexport const a = 1;\n")).toBe(true);
    expect(isGenerated("/* auto-generated by NAPI-RS */\n")).toBe(true);
    expect(isGenerated("export const a = 1;\n")).toBe(false);
  });
});
