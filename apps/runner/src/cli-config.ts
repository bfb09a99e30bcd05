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

/** A host the CLIs accept in a `credentials` block: a name or IPv4 address, and a port. */
const credentialsHost = /^[A-Za-z0-9.-]+(:\d+)?$/;
/** A token that needs no escaping in HCL (phase tokens are base64url with dots). */
const plainToken = /^[A-Za-z0-9._~+/=-]+$/;

/**
 * `credentials` blocks giving the engine the server's read-only run token for each of the server's
 * hosts (TFE does the same), so `terraform_remote_state` with `backend "remote"` can read the
 * workspaces that share their state. Hosts or a token that do not look right are left out.
 */
export function credentialsConfig(runToken: { token: string; hosts: readonly string[] } | undefined): string {
  if (!runToken || !plainToken.test(runToken.token)) return "";
  const hosts = [...new Set(runToken.hosts)].filter((h) => credentialsHost.test(h));
  return hosts
    .map((host) => `credentials ${hclString(host)} {\n  token = ${hclString(runToken.token)}\n}\n`)
    .join("");
}
