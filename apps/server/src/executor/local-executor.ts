import { join } from "node:path";
import { randomIdPart } from "@terrapod/kernel";
import { type ExecutorApi, startExecutorLoop } from "@terrapod/runner-protocol";
import type { ServerConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { LocalExecutor } from "../startup.ts";
import { createLocalLauncher, defaultRunnerCommand } from "./local-launcher.ts";

/** The embedded executor: the shared executor loop over child-process runners, in-process. */
export function createLocalExecutor(
  config: ServerConfig,
  log: Logger,
  gateway: ExecutorApi,
  serverUrl: string,
): LocalExecutor {
  const executorId = `local:${randomIdPart(10)}`;
  const launcher = createLocalLauncher({
    log,
    serverUrl,
    insecureLoopback: Boolean(config.http.tls),
    binaryDir: config.runs.binaryDir,
    providerMirror: config.runs.providerMirror,
    workDir: join(config.dataDir, "runner"),
    path: config.runs.path,
    runnerCommand: defaultRunnerCommand(),
    killAfterMs: 60_000,
  });
  let loop: { stop(): Promise<void> } | undefined;
  return {
    executorId,
    start() {
      loop = startExecutorLoop({
        executorId,
        api: gateway,
        launcher,
        concurrency: config.runs.concurrency,
        waitMs: 2000,
        log,
      });
    },
    async stop(graceMs) {
      await loop?.stop();
      await launcher.shutdown(graceMs);
    },
  };
}
