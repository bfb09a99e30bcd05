import { JSONParser } from "@streamparser/json";
import { InvalidError } from "@terrapod/kernel";

/** What we learn from a state file while it streams past; never the whole file in memory. */
export type StateFacts = {
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
};

/**
 * A streaming reader of terraform/tofu state files (format v4). Opaque JSON (a tofu-encrypted envelope)
 * simply yields no facts; bytes that are not JSON are refused.
 */
export function createStateScanner() {
  const facts: StateFacts = {
    serial: undefined,
    lineage: undefined,
    terraformVersion: undefined,
    formatVersion: undefined,
    outputs: undefined,
    resources: [],
  };
  let failure: Error | undefined;
  let sawData = false;
  const parser = new JSONParser({
    paths: ["$.serial", "$.lineage", "$.terraform_version", "$.version", "$.outputs", "$.resources.*"],
    keepStack: false,
  });
  parser.onValue = ({ value, key, stack }) => {
    const depth = stack.length;
    if (depth === 1) {
      if (key === "serial" && typeof value === "number") facts.serial = value;
      else if (key === "lineage" && typeof value === "string") facts.lineage = value;
      else if (key === "terraform_version" && typeof value === "string") facts.terraformVersion = value;
      else if (key === "version" && typeof value === "number") facts.formatVersion = value;
      else if (key === "outputs") facts.outputs = readOutputs(value);
    } else if (depth === 2) {
      const summary = summarizeResource(value);
      if (summary) facts.resources.push(summary);
    }
  };
  parser.onError = (err) => {
    failure = err;
  };
  return {
    write(chunk: Uint8Array) {
      if (failure) return;
      if (chunk.byteLength > 0) sawData = true;
      try {
        parser.write(chunk);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
    },
    /** Ends the scan; throws InvalidError if the bytes were not a JSON document. */
    end(): StateFacts {
      if (!failure && sawData && !parser.isEnded) {
        try {
          parser.end();
        } catch (err) {
          failure = err instanceof Error ? err : new Error(String(err));
        }
      }
      if (!sawData) throw new InvalidError("the state file is empty", undefined, "invalid state");
      if (failure) throw new InvalidError("the state file is not valid JSON", undefined, "invalid state");
      return facts;
    },
  };
}

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

function summarizeResource(value: unknown): ResourceSummary | undefined {
  if (!isRecord(value)) return undefined;
  const instances = Array.isArray(value.instances) ? value.instances.length : 0;
  if (typeof value.type !== "string" || typeof value.name !== "string") return undefined;
  return {
    name: value.name,
    type: value.type,
    count: instances,
    module: typeof value.module === "string" ? value.module : "root",
    provider: typeof value.provider === "string" ? value.provider : "",
    mode: typeof value.mode === "string" ? value.mode : "managed",
  };
}

/** Managed resource instances: the workspace's resource count. */
export function managedResourceCount(resources: readonly ResourceSummary[]): number {
  return resources.filter((r) => r.mode === "managed").reduce((n, r) => n + r.count, 0);
}

/** Scans an in-memory state (legacy inline upload, rollback). */
export function scanState(bytes: Uint8Array): StateFacts {
  const s = createStateScanner();
  s.write(bytes);
  return s.end();
}
