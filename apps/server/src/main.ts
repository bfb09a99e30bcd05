import { ConfigError, loadServerConfigFromEnv, type ServerConfig } from "./config.ts";
import { localExecutionRefusal } from "./executor/sandbox.ts";
import { createLogger } from "./logger.ts";
import { startServer } from "./server.ts";

async function main() {
  let config: ServerConfig;
  try {
    config = loadServerConfigFromEnv();
    const refusal = localExecutionRefusal(config, process.getuid?.());
    if (refusal) throw new ConfigError([refusal]);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`terrapod: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.log);
  const server = await startServer(config, {
    log,
    onGeneratedAdminToken: (token) => {
      // Printed once to the console, never to the log.
      process.stdout.write(
        `\nTerrapod created organization "default" and user "admin".\nAdmin API token (shown only once): ${token}\n\n`,
      );
    },
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    await server.stop();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

await main();
