/** What we learn from a state file while it streams past; never the whole file in memory. */
export type StateFacts = {
  /** Managed resource instances in the whole state (the workspace's resource count). */
  managedInstances: number;
  /** True when `resources` was cut at `maxResourceSummaries`. */
  resourcesTruncated: boolean;
  serial: number | undefined;
  lineage: string | undefined;
  terraformVersion: string | undefined;
  formatVersion: number | undefined;
  outputs: Record<string, StateOutput> | undefined;
  resources: ResourceSummary[];
};

export type StateOutput = { value: unknown; type: unknown; sensitive: boolean };

export type ResourceSummary = {
  name: string;
  type: string;
  count: number;
  module: string;
  provider: string;
  mode: string;
  /**
   * The instances' `index_key`s (count/for_each), in state order. Absent when the instances have none,
   * or when the state has more keyed instances than the summary keeps (`maxIndexKeys`).
   */
  indexKeys?: (string | number)[];
};

/** The per-resource summary keeps at most this many entries; counts always cover the whole state. */
export const maxResourceSummaries = 10_000;

/** Instance keys kept for the whole state (beyond this, resources are summarized without their keys). */
export const maxIndexKeys = 100_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** State v4 outputs (`{name: {value, type, sensitive}}`); the CLI's `json-state-outputs` has the same shape. */
export function readOutputs(value: unknown): Record<string, StateOutput> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, StateOutput> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!isRecord(raw)) continue;
    out[name] = { value: raw.value ?? null, type: raw.type ?? null, sensitive: raw.sensitive === true };
  }
  return out;
}

/** Managed resource instances: the workspace's resource count. */
export function managedResourceCount(resources: readonly ResourceSummary[]): number {
  return resources.filter((r) => r.mode === "managed").reduce((n, r) => n + r.count, 0);
}
