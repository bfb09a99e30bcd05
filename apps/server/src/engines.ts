import { readdirSync } from "node:fs";
import { InvalidError } from "@terrapod/kernel";

type Engine = "terraform" | "tofu";

/**
 * The engine binaries this server can run, found in a directory of files named `<engine>-<version>`
 * (e.g. `tofu-1.12.6`). Resolves `latest`, an exact version, or a constraint (`~> 1.5`, `>= 1.6`) to the
 * newest matching version present. The directory is re-read at most every few seconds.
 */
export function createEngineCatalog(binaryDir: string) {
  let cache: { at: number; versions: Map<Engine, string[]> } | undefined;

  function versions(engine: Engine): string[] {
    const now = Date.now();
    if (!cache || now - cache.at > 5000) {
      const map = new Map<Engine, string[]>([
        ["terraform", []],
        ["tofu", []],
      ]);
      let names: string[] = [];
      try {
        names = readdirSync(binaryDir);
      } catch {
        names = [];
      }
      for (const name of names) {
        const m = /^(terraform|tofu)-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$/.exec(name);
        if (m?.[1] && m[2]) map.get(m[1] as Engine)?.push(m[2]);
      }
      for (const list of map.values()) list.sort((a, b) => Bun.semver.order(b, a));
      cache = { at: now, versions: map };
    }
    return cache.versions.get(engine) ?? [];
  }

  return {
    binaryDir,
    resolve(engine: Engine, requested: string): string {
      const available = versions(engine);
      const want = requested.trim();
      const found =
        want === "" || want === "latest"
          ? available.find((v) => !v.includes("-"))
          : (available.find((v) => v === want) ??
            available.find((v) => Bun.semver.satisfies(v, normalize(want))));
      if (!found) {
        const have = available.length > 0 ? available.join(", ") : "none";
        throw new InvalidError(
          `no ${engine} binary for version "${requested}" is available on this server (have: ${have})`,
          "terraformVersion",
          "engine version not available",
        );
      }
      return found;
    },
  };
}

/** Terraform's `~> 1.5` means >=1.5,<2.0 and `~> 1.5.7` means >=1.5.7,<1.6; Bun's semver agrees with `~>` as `~`-ish only partly. */
function normalize(constraint: string): string {
  return constraint
    .split(",")
    .map((part) => {
      const p = part.trim();
      const m = /^~>\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(p);
      if (!m) return p;
      const [, major, minor, patch] = m;
      return patch === undefined
        ? `>=${major}.${minor}.0 <${Number(major) + 1}.0.0`
        : `>=${major}.${minor}.${patch} <${major}.${Number(minor) + 1}.0`;
    })
    .join(" ");
}

export type EngineCatalog = ReturnType<typeof createEngineCatalog>;
