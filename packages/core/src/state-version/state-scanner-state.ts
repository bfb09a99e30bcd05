/**
 * The state of one streaming state scan ({@link ScanState}) and the steps that turn what the grammar
 * reads into {@link StateFacts}: which values are worth decoding, copying their bytes out across chunks,
 * and the per-resource summary. The grammar itself is in `state-scanner-grammar.ts`.
 */
import { maxIndexKeys, maxResourceSummaries, readOutputs, type StateFacts } from "./state-facts.ts";

/** Outputs larger than this are not kept from the raw state (the CLI sends them separately anyway). */
const maxCaptureBytes = 16 * 1024 * 1024;

export type Frame = {
  kind: "object" | "array";
  /** object: the key of the member being read (decoded only where it matters). */
  key: string | undefined;
  state: "key-or-end" | "key" | "colon" | "value-or-end" | "value" | "comma-or-end";
};

/** Bytes of one key or value being copied out for decoding, possibly across chunks. */
type Capture = { target: "key" | "value"; depth: number; from: number; parts: Uint8Array[]; size: number };

type ResourceFields = Partial<Record<"mode" | "type" | "name" | "module" | "provider", string>>;

/** Everything a scan remembers between bytes and chunks: the grammar's position and the facts so far. */
export type ScanState = {
  facts: StateFacts;
  stack: Frame[];
  sawRoot: boolean;
  done: boolean;
  failure: string | undefined;
  inString: boolean;
  escaped: boolean;
  /** The number or literal being read (empty when none). */
  scalar: string;
  cap: Capture | undefined;
  /** The resource being read (depth 3 of `resources`): its fields, instances and their keys. */
  resource: ResourceFields;
  instances: number;
  indexKeys: (string | number)[];
  indexKeysKept: number;
};

export function createScanState(): ScanState {
  return {
    facts: {
      managedInstances: 0,
      resourcesTruncated: false,
      serial: undefined,
      lineage: undefined,
      terraformVersion: undefined,
      formatVersion: undefined,
      outputs: undefined,
      resources: [],
    },
    stack: [],
    sawRoot: false,
    done: false,
    failure: undefined,
    inString: false,
    escaped: false,
    scalar: "",
    cap: undefined,
    resource: {},
    instances: 0,
    indexKeys: [],
    indexKeysKept: 0,
  };
}

const decoder = new TextDecoder();
const rootKeys = ["serial", "lineage", "terraform_version", "version", "outputs"];
const resourceKeys = ["mode", "type", "name", "module", "provider"];

export function fail(s: ScanState, why: string): void {
  s.failure ??= why;
}

export function inResources(s: ScanState): boolean {
  return s.stack[1]?.kind === "array" && s.stack[0]?.key === "resources";
}

/** Inside one element of a resource's `instances` array (an instance object at depth 5). */
function inInstance(s: ScanState): boolean {
  const stack = s.stack;
  return (
    inResources(s) &&
    stack[2]?.key === "instances" &&
    stack[3]?.kind === "array" &&
    stack[4]?.kind === "object"
  );
}

/** Root members, the fields of each resource and each instance's key are the values worth decoding. */
export function wants(s: ScanState, depth: number, key: string | undefined): boolean {
  return (
    (depth === 1 && rootKeys.includes(key ?? "")) ||
    (depth === 3 && inResources(s) && resourceKeys.includes(key ?? "")) ||
    (depth === 5 && key === "index_key" && inInstance(s))
  );
}

export function keyMatters(s: ScanState, depth: number): boolean {
  return depth === 1 || (depth === 3 && inResources(s)) || (depth === 5 && inInstance(s));
}

export function startCapture(s: ScanState, target: Capture["target"], at: number): void {
  if (!s.cap) s.cap = { target, depth: s.stack.length, from: at, parts: [], size: 0 };
}

/** Copies the captured bytes of `chunk` (up to `to`); the capture goes on from the next chunk's start. */
export function keep(s: ScanState, chunk: Uint8Array, to: number): void {
  const cap = s.cap;
  if (!cap) return;
  cap.size += to - cap.from;
  if (cap.size <= maxCaptureBytes) cap.parts.push(chunk.slice(cap.from, to));
  cap.from = 0;
}

/** The capture of the current frame ends at `to`: its bytes decoded as JSON (undefined when too large). */
export function endCapture(s: ScanState, chunk: Uint8Array, to: number): unknown {
  const c = s.cap;
  if (!c) return undefined;
  keep(s, chunk, to);
  s.cap = undefined;
  if (c.size > maxCaptureBytes) return undefined;
  try {
    return JSON.parse(decoder.decode(c.parts.length === 1 ? c.parts[0] : Buffer.concat(c.parts))) as unknown;
  } catch {
    fail(s, "invalid value");
    return undefined;
  }
}

/** Whether a capture of a value of the current frame is under way (it then ends with the value). */
export function capturingValue(s: ScanState): boolean {
  return s.cap?.target === "value" && s.cap.depth === s.stack.length;
}

function record(s: ScanState, depth: number, key: string | undefined, value: unknown): void {
  const facts = s.facts;
  if (depth === 1) {
    if (key === "serial" && typeof value === "number") facts.serial = value;
    else if (key === "lineage" && typeof value === "string") facts.lineage = value;
    else if (key === "terraform_version" && typeof value === "string") facts.terraformVersion = value;
    else if (key === "version" && typeof value === "number") facts.formatVersion = value;
    else if (key === "outputs") facts.outputs = readOutputs(value);
  } else if (depth === 3 && typeof value === "string") {
    if (key === "mode" || key === "type" || key === "name" || key === "module" || key === "provider") {
      s.resource[key] = value;
    }
  } else if (depth === 5 && key === "index_key" && (typeof value === "string" || typeof value === "number")) {
    s.indexKeys.push(value);
  }
}

/** A value begins in the current frame. */
export function valueBegins(s: ScanState): void {
  const stack = s.stack;
  const frame = stack[stack.length - 1];
  if (!frame) {
    s.sawRoot = true;
    return;
  }
  // elements of a resource's `instances` array
  if (frame.kind === "array" && stack.length === 4 && stack[2]?.key === "instances" && inResources(s))
    s.instances += 1;
}

/** A value ended in the current frame (decoded when it was wanted). */
export function valueEnds(s: ScanState, value: unknown, decoded: boolean): void {
  const frame = s.stack[s.stack.length - 1];
  if (!frame) {
    s.done = true;
    return;
  }
  if (decoded && frame.kind === "object") record(s, s.stack.length, frame.key, value);
  frame.state = "comma-or-end";
}

/** An element of `resources` begins (an object at depth 3). */
export function resourceBegins(s: ScanState): void {
  s.resource = {};
  s.instances = 0;
  s.indexKeys = [];
}

/** An element of `resources` ended: counted, and summarized while the summary has room. */
export function resourceEnds(s: ScanState): void {
  const { facts, resource, instances, indexKeys } = s;
  if (!resource.type || !resource.name) return;
  const mode = resource.mode ?? "managed";
  if (mode === "managed") facts.managedInstances += instances;
  if (facts.resources.length < maxResourceSummaries) {
    // Keys only when every instance has one (count/for_each) and the state-wide budget allows.
    const keyed = indexKeys.length > 0 && indexKeys.length === instances;
    const keep = keyed && s.indexKeysKept + indexKeys.length <= maxIndexKeys;
    if (keep) s.indexKeysKept += indexKeys.length;
    facts.resources.push({
      name: resource.name,
      type: resource.type,
      count: instances,
      module: resource.module ?? "root",
      provider: resource.provider ?? "",
      mode,
      ...(keep ? { indexKeys } : {}),
    });
  } else {
    facts.resourcesTruncated = true;
  }
}
