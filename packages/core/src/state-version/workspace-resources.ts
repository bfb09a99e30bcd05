import { createHash } from "node:crypto";
import type { ResourceSummary } from "./state-file.ts";

/** One resource instance of a workspace's current state (TFE `GET /workspaces/:id/resources`). */
export type WorkspaceResource = {
  readonly id: string;
  /** `module.` prefixes dropped, as TFE shows it: `media_bucket.aws_s3_bucket.this[0]`. */
  readonly address: string;
  readonly name: string;
  /** `root`, or the module path without `module.` prefixes. */
  readonly module: string;
  /** The provider's source address, without the default registry host (`hashicorp/aws`). */
  readonly provider: string;
  /** The resource type (`aws_s3_bucket`). */
  readonly providerType: string;
  /** The instance key (count index or for_each key) as text; null for a single instance. */
  readonly nameIndex: string | null;
};

/** `module.a["k"].module.b` → `a["k"].b` (a `module.` inside a quoted key stays). */
export function displayModule(module: string): string {
  if (module === "" || module === "root") return "root";
  let out = "";
  let inString = false;
  let escaped = false;
  for (let i = 0; i < module.length; i++) {
    const c = module.charAt(i);
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if ((i === 0 || module.charAt(i - 1) === ".") && module.startsWith("module.", i)) {
      i += "module.".length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

const defaultRegistries = ["registry.terraform.io/", "registry.opentofu.org/"];

/** `provider["registry.terraform.io/hashicorp/aws"]` (or `…].alias`) → `hashicorp/aws`. */
export function displayProvider(provider: string): string {
  const m = /^provider\["([^"]+)"\]/.exec(provider);
  if (!m?.[1]) return provider;
  const source = m[1];
  const host = defaultRegistries.find((h) => source.startsWith(h));
  return host ? source.slice(host.length) : source;
}

function indexSuffix(key: string | number): string {
  return typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

/**
 * The managed resource instances in a state summary, in state order. A resource summarized without its
 * instance keys (a state beyond the summary's key budget) yields unkeyed entries for its instances.
 */
export function resourceInstances(
  workspaceId: string,
  summary: readonly ResourceSummary[],
): WorkspaceResource[] {
  const out: WorkspaceResource[] = [];
  for (const r of summary) {
    if (r.mode !== "managed") continue;
    const module = displayModule(r.module);
    const base = `${module === "root" ? "" : `${module}.`}${r.type}.${r.name}`;
    for (let i = 0; i < r.count; i++) {
      const key = r.indexKeys?.[i];
      const address = key === undefined ? base : `${base}${indexSuffix(key)}`;
      out.push({
        id: resourceId(workspaceId, key === undefined && r.count > 1 ? `${address}#${i}` : address),
        address,
        name: r.name,
        module,
        provider: displayProvider(r.provider),
        providerType: r.type,
        nameIndex: key === undefined ? null : String(key),
      });
    }
  }
  return out;
}

/** Stable across state versions: the same instance of the same workspace keeps its id. */
function resourceId(workspaceId: string, address: string): string {
  return `wsr-${createHash("sha256").update(`${workspaceId}\0${address}`).digest("base64url").slice(0, 16)}`;
}
