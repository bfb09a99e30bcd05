/**
 * The runner: executes one phase of one run, then exits (0 when the result reached the server, 1 when
 * it did not, 2 for a configuration error). Started by the embedded server as a child process, or as
 * the program of a Kubernetes Job pod. SIGINT/SIGTERM cancel the engine gracefully; a second one kills it.
 * A runner whose server is gone (its parent changed) or refuses its heartbeat is fenced (fencing.ts).
 */
import { Cancellation } from "./cancellation.ts";
import { ConfigError, loadRunnerConfigFromEnv, type RunnerConfig } from "./config.ts";
import { fencedExitMs, parentGone, watchParent } from "./fencing.ts";
import { createRunnerClient } from "./http-client.ts";
import { runJob } from "./job.ts";
import { createLogger } from "./logger.ts";

async function main(): Promise<number> {
  let config: RunnerConfig;
  try {
    config = loadRunnerConfigFromEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel });
  const cancellation = new Cancellation();
  const parentPid = process.ppid;
  const onSignal = (signal: NodeJS.Signals) => {
    log.info({ signal }, "signal received");
    // A signal after the server died comes from its successor or an operator: stop at once.
    if (parentPid > 0 && parentGone(parentPid, process.ppid))
      cancellation.fence("the server process is gone");
    else cancellation.request(cancellation.requested ? "force" : "graceful");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  watchParent({
    ppid: () => process.ppid,
    intervalMs: 1000,
    onGone: () => cancellation.fence("the server process is gone"),
  });
  cancellation.subscribe(() => {
    if (!cancellation.fenced) return;
    log.warn({ reason: cancellation.fenced }, "fenced: the engine is stopped and the runner exits");
    // Whatever still runs (a hung upload), the runner does not outlive this.
    setTimeout(() => process.exit(1), fencedExitMs).unref();
  });

  const client = createRunnerClient({
    serverUrl: config.serverUrl,
    token: config.token,
    insecureTls: config.insecureTls,
  });
  const report = await runJob({ client, config, log, cancellation });
  return report.delivered ? 0 : 1;
}

process.exit(await main());
