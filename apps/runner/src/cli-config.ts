import { readdir } from "node:fs/promises";
import { join } from "node:path";

/** `host/namespace/type` of every provider present in a filesystem mirror (unpacked or packed layout). */
export async function mirrorProviders(dir: string): Promise<string[]> {
  const found: string[] = [];
  const list = async (path: string) => {
    try {
      return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  };
  for (const host of await list(dir)) {
    for (const ns of await list(join(dir, host))) {
      for (const type of await list(join(dir, host, ns))) found.push(`${host}/${ns}/${type}`);
    }
  }
  return found.sort();
}

const hclString = (s: string) => JSON.stringify(s);

/**
 * A CLI configuration that installs the mirrored providers from the mirror and everything else as
 * usual: a filesystem mirror without `include` would swallow every provider, so both lists are explicit.
 */
export function providerInstallationConfig(mirrorDir: string, providers: readonly string[]): string {
  if (providers.length === 0) return "";
  const list = providers.map(hclString).join(", ");
  return `provider_installation {
  filesystem_mirror {
    path    = ${hclString(mirrorDir)}
    include = [${list}]
  }
  direct {
    exclude = [${list}]
  }
}
`;
}
