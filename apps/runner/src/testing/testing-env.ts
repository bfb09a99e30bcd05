import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The engine versions the integration tests run (built by scripts/build-clients.sh). */
export const testEngines = [
  { engine: "tofu", version: "1.12.6" },
  { engine: "terraform", version: "1.5.7" },
] as const;

/**
 * The directory of engine binaries for the runner's integration tests: TERRAPOD_TEST_BINARY_DIR, else
 * `${TERRAPOD_TOOLS_DIR:-~/.cache/terrapod/tools}/bin`. Throws when a test engine is missing, so the
 * tests fail instead of passing without having run.
 */
export function engineBinaryDir(): string {
  const dir =
    Bun.env.TERRAPOD_TEST_BINARY_DIR ||
    join(Bun.env.TERRAPOD_TOOLS_DIR || join(homedir(), ".cache", "terrapod", "tools"), "bin");
  const missing = testEngines
    .map((e) => `${e.engine}-${e.version}`)
    .filter((name) => !existsSync(join(dir, name)));
  if (missing.length > 0) {
    throw new Error(
      `engine binaries ${missing.join(", ")} not found in ${dir}: build them with scripts/build-clients.sh ` +
        "or point TERRAPOD_TEST_BINARY_DIR at a directory holding them",
    );
  }
  return dir;
}
