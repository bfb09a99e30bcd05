/**
 * The real clients (tofu, terraform, go-tfe's test binary), built or reused through
 * scripts/build-clients.sh, which caches them by version outside the repository and prints KEY=PATH
 * lines (TOFU_1_12_6=..., TERRAFORM_1_5_7=..., GO_TFE_TEST=..., GO_TFE_SRC=...).
 */
import { join } from "node:path";
import type { GoTfe } from "./go-tfe-results.ts";
import { onShutdown, repoRoot, seconds } from "./proc.ts";

export type BuildClientsOptions = {
  /** Build only go-tfe's test binary (no CLI). */
  readonly goTfeOnly?: boolean;
  /** Where progress lines go (the build's own stderr is passed through). */
  readonly log?: (line: string) => void;
};

/** Runs build-clients.sh and returns its KEY=PATH lines; throws with the build's output on failure. */
export async function buildClients(options: BuildClientsOptions = {}): Promise<Record<string, string>> {
  const log = options.log ?? ((line: string) => console.log(line));
  const env: Record<string, string | undefined> = { ...process.env };
  if (options.goTfeOnly) Object.assign(env, { TERRAPOD_TOFU_VERSIONS: "", TERRAPOD_TERRAFORM_VERSIONS: "" });
  const started = Date.now();
  const child = Bun.spawn({
    cmd: ["bash", join(repoRoot, "scripts", "build-clients.sh")],
    cwd: repoRoot,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const unregister = onShutdown(async () => {
    child.kill("SIGTERM");
    await child.exited;
  });
  let errText = "";
  const pumpErr = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      const text = decoder.decode(chunk, { stream: true });
      errText += text;
      // build progress ([build-clients] lines) is shown as it comes; compiler noise only on failure
      for (const line of text.split("\n")) if (line.startsWith("[build-clients]")) log(line);
    }
  })();
  const [code, out] = await Promise.all([child.exited, new Response(child.stdout).text(), pumpErr]);
  unregister();
  if (code !== 0) {
    throw new Error(
      `scripts/build-clients.sh exited ${code}:\n${errText.trim().split("\n").slice(-40).join("\n")}`,
    );
  }
  const clients: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.+)$/.exec(line.trim());
    if (m?.[1] && m[2]) clients[m[1]] = m[2];
  }
  log(`[clients] ready in ${seconds(Date.now() - started)}: ${Object.keys(clients).join(", ")}`);
  return clients;
}

/** The CLI entries (TOFU_x_y_z / TERRAFORM_x_y_z) of build-clients.sh output. */
export function cliEntries(clients: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(clients).filter(([key]) => /^(TOFU|TERRAFORM)_\d+_\d+_\d+$/.test(key));
}

/** go-tfe's test binary and source dir from build-clients.sh output. */
export function goTfeOf(clients: Readonly<Record<string, string>>): GoTfe {
  const binary = clients.GO_TFE_TEST;
  const srcDir = clients.GO_TFE_SRC;
  if (!binary || !srcDir) throw new Error("scripts/build-clients.sh printed no GO_TFE_TEST / GO_TFE_SRC");
  const version = /go-tfe-(\d+\.\d+\.\d+)\.test$/.exec(binary)?.[1];
  if (!version) throw new Error(`cannot read go-tfe's version from ${binary}`);
  return { binary, srcDir, version };
}

/**
 * What tests that execute runs need: the engine directory (the CLIs' build directory, binaries named
 * `<engine>-<version>` as the server expects) and the provider mirror.
 */
export function runTestEnv(clients: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  const [, anyCli] = cliEntries(clients)[0] ?? [];
  if (anyCli) env.TERRAPOD_TEST_BINARY_DIR = anyCli.slice(0, anyCli.lastIndexOf("/"));
  if (clients.PROVIDER_MIRROR) env.TERRAPOD_TEST_PROVIDER_MIRROR = clients.PROVIDER_MIRROR;
  return env;
}
