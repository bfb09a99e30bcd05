/**
 * Developer CLI for the test services.
 *
 *   bun scripts/services.ts up [postgres] [redis] [s3]
 *
 * Starts the named services (all by default), prints `export` lines for their environment, and keeps
 * them running until Ctrl-C, then stops them. In another shell, paste the exports and run e.g.
 * `TERRAPOD_TEST_BACKEND=postgres bun test ./packages/testing/src/db.int.test.ts`.
 */
import { installSignalHandlers, seconds } from "./lib/proc.ts";
import { allServices, type ServiceName, startServices } from "./lib/services.ts";

const usage = `usage: bun scripts/services.ts up [${allServices.join("] [")}]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "up") {
    console.error(usage);
    return command === "--help" || command === "-h" ? 0 : 2;
  }
  const unknown = rest.filter((name) => !allServices.includes(name as ServiceName));
  if (unknown.length > 0) {
    console.error(`unknown service ${unknown.join(", ")}\n${usage}`);
    return 2;
  }
  const which = rest.length > 0 ? (rest as ServiceName[]) : allServices;
  installSignalHandlers();
  const began = Date.now();
  const services = await startServices(which);
  console.log(`# ${which.join(", ")} up in ${seconds(Date.now() - began)}; Ctrl-C stops them\n`);
  for (const [key, value] of Object.entries(services.env)) console.log(`export ${key}=${value}`);
  // The signal handlers stop the services and exit; until then, keep the process alive.
  await new Promise<never>(() => setInterval(() => {}, 1 << 30));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
