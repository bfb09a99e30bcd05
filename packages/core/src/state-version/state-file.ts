import { InvalidError } from "@terrapod/kernel";

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

/** Outputs larger than this are not kept from the raw state (the CLI sends them separately anyway). */
const maxCaptureBytes = 16 * 1024 * 1024;

type Frame = {
  kind: "object" | "array";
  /** object: the key of the member being read (decoded only where it matters). */
  key: string | undefined;
  state: "key-or-end" | "key" | "colon" | "value-or-end" | "value" | "comma-or-end";
};

/** Bytes of one key or value being copied out for decoding, possibly across chunks. */
type Capture = { target: "key" | "value"; depth: number; from: number; parts: Uint8Array[]; size: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Bytes that can appear in a number or in true/false/null. */
function isScalarByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    b === 0x2d ||
    b === 0x2b ||
    b === 0x2e ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x45
  );
}

const numberPattern = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const decoder = new TextDecoder();

/**
 * A byte-level streaming reader of terraform/tofu state files (format v4). It checks the JSON grammar
 * and copies out only the few values it needs (serial, lineage, versions, outputs and a summary of each
 * resource), so a 100 MB state creates almost no garbage. Opaque JSON (a tofu-encrypted envelope)
 * yields no facts; bytes that are not one JSON object are refused.
 */
export function createStateScanner() {
  const facts: StateFacts = {
    managedInstances: 0,
    resourcesTruncated: false,
    serial: undefined,
    lineage: undefined,
    terraformVersion: undefined,
    formatVersion: undefined,
    outputs: undefined,
    resources: [],
  };
  const stack: Frame[] = [];
  let sawRoot = false;
  let done = false;
  let failure: string | undefined;
  let inString = false;
  let escaped = false;
  let scalar = "";
  let cap: Capture | undefined;
  let resource: Partial<Record<"mode" | "type" | "name" | "module" | "provider", string>> = {};
  let instances = 0;
  let indexKeys: (string | number)[] = [];
  let indexKeysKept = 0;

  const fail = (why: string) => {
    failure ??= why;
  };
  const inResources = () => stack[1]?.kind === "array" && stack[0]?.key === "resources";
  /** Inside one element of a resource's `instances` array (an instance object at depth 5). */
  const inInstance = () =>
    inResources() &&
    stack[2]?.key === "instances" &&
    stack[3]?.kind === "array" &&
    stack[4]?.kind === "object";
  /** Root members, the fields of each resource and each instance's key are the values worth decoding. */
  const wants = (depth: number, key: string | undefined) =>
    (depth === 1 && ["serial", "lineage", "terraform_version", "version", "outputs"].includes(key ?? "")) ||
    (depth === 3 && inResources() && ["mode", "type", "name", "module", "provider"].includes(key ?? "")) ||
    (depth === 5 && key === "index_key" && inInstance());
  const keyMatters = (depth: number) =>
    depth === 1 || (depth === 3 && inResources()) || (depth === 5 && inInstance());

  function startCapture(target: Capture["target"], at: number) {
    if (!cap) cap = { target, depth: stack.length, from: at, parts: [], size: 0 };
  }

  function keep(chunk: Uint8Array, to: number) {
    if (!cap) return;
    cap.size += to - cap.from;
    if (cap.size <= maxCaptureBytes) cap.parts.push(chunk.slice(cap.from, to));
    cap.from = 0;
  }

  function endCapture(chunk: Uint8Array, to: number): unknown {
    const c = cap;
    if (!c) return undefined;
    keep(chunk, to);
    cap = undefined;
    if (c.size > maxCaptureBytes) return undefined;
    try {
      return JSON.parse(
        decoder.decode(c.parts.length === 1 ? c.parts[0] : Buffer.concat(c.parts)),
      ) as unknown;
    } catch {
      fail("invalid value");
      return undefined;
    }
  }

  function record(depth: number, key: string | undefined, value: unknown) {
    if (depth === 1) {
      if (key === "serial" && typeof value === "number") facts.serial = value;
      else if (key === "lineage" && typeof value === "string") facts.lineage = value;
      else if (key === "terraform_version" && typeof value === "string") facts.terraformVersion = value;
      else if (key === "version" && typeof value === "number") facts.formatVersion = value;
      else if (key === "outputs") facts.outputs = readOutputs(value);
    } else if (depth === 3 && typeof value === "string") {
      if (key === "mode" || key === "type" || key === "name" || key === "module" || key === "provider") {
        resource[key] = value;
      }
    } else if (
      depth === 5 &&
      key === "index_key" &&
      (typeof value === "string" || typeof value === "number")
    ) {
      indexKeys.push(value);
    }
  }

  /** A value begins in the current frame. */
  function valueBegins() {
    const frame = stack[stack.length - 1];
    if (!frame) {
      sawRoot = true;
      return;
    }
    // elements of a resource's `instances` array
    if (frame.kind === "array" && stack.length === 4 && stack[2]?.key === "instances" && inResources())
      instances += 1;
  }

  /** A value ended in the current frame (decoded when it was wanted). */
  function valueEnds(value: unknown, decoded: boolean) {
    const frame = stack[stack.length - 1];
    if (!frame) {
      done = true;
      return;
    }
    if (decoded && frame.kind === "object") record(stack.length, frame.key, value);
    frame.state = "comma-or-end";
  }

  function finishScalar() {
    const text = scalar;
    scalar = "";
    let value: unknown;
    if (text === "true") value = true;
    else if (text === "false") value = false;
    else if (text === "null") value = null;
    else if (numberPattern.test(text)) value = Number(text);
    else return fail(`invalid token ${text.slice(0, 20)}`);
    const frame = stack[stack.length - 1];
    if (!frame) return fail("the state is not a JSON object");
    valueEnds(value, frame.kind === "object" && wants(stack.length, frame.key));
  }

  function write(chunk: Uint8Array) {
    if (failure || chunk.byteLength === 0) return;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (failure) return;
      if (inString) {
        while (i < n) {
          const b = chunk[i] as number;
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) break;
          else if (b < 0x20) return fail("control character in a string");
          i++;
        }
        if (i >= n) break;
        inString = false;
        i++; // past the closing quote
        const frame = stack[stack.length - 1];
        if (frame?.state === "key") {
          frame.key =
            cap?.target === "key" && cap.depth === stack.length
              ? (endCapture(chunk, i) as string)
              : undefined;
          frame.state = "colon";
        } else if (cap?.target === "value" && cap.depth === stack.length) {
          valueEnds(endCapture(chunk, i), true);
        } else {
          valueEnds(undefined, false);
        }
        continue;
      }
      const b = chunk[i] as number;
      if (scalar !== "") {
        if (isScalarByte(b)) {
          scalar += String.fromCharCode(b);
          if (scalar.length > 64) return fail("number too long");
          i++;
          continue;
        }
        finishScalar();
        continue;
      }
      if (isSpace(b)) {
        i++;
        continue;
      }
      if (done) return fail("trailing data after the state");
      const frame = stack[stack.length - 1];
      if (frame && (frame.state === "key-or-end" || frame.state === "key")) {
        if (b === CLOSE_BRACE && frame.state === "key-or-end") {
          closeContainer(chunk, i, "object");
          i++;
          continue;
        }
        if (b !== QUOTE) return fail("expected a key");
        frame.state = "key";
        if (keyMatters(stack.length)) startCapture("key", i);
        inString = true;
        i++;
        continue;
      }
      if (frame?.state === "colon") {
        if (b !== COLON) return fail("expected ':'");
        frame.state = "value";
        i++;
        continue;
      }
      if (frame?.state === "comma-or-end") {
        if (b === COMMA) {
          frame.state = frame.kind === "object" ? "key" : "value";
          i++;
          continue;
        }
        if (
          (b === CLOSE_BRACE && frame.kind === "object") ||
          (b === CLOSE_BRACKET && frame.kind === "array")
        ) {
          closeContainer(chunk, i, frame.kind);
          i++;
          continue;
        }
        return fail("expected ',' or the end of a container");
      }
      if (frame?.state === "value-or-end" && b === CLOSE_BRACKET) {
        closeContainer(chunk, i, "array");
        i++;
        continue;
      }
      // a value is expected here
      if (!frame && (sawRoot || b !== OPEN_BRACE)) return fail("the state is not a JSON object");
      const wanted = frame?.kind === "object" && wants(stack.length, frame.key);
      if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        valueBegins();
        if (wanted) startCapture("value", i);
        const kind = b === OPEN_BRACE ? "object" : "array";
        stack.push({ kind, key: undefined, state: kind === "object" ? "key-or-end" : "value-or-end" });
        if (kind === "object" && stack.length === 3 && inResources()) {
          resource = {};
          instances = 0;
          indexKeys = [];
        }
        i++;
        continue;
      }
      if (b === QUOTE) {
        valueBegins();
        if (wanted) startCapture("value", i);
        inString = true;
        i++;
        continue;
      }
      if (isScalarByte(b)) {
        valueBegins();
        scalar = String.fromCharCode(b);
        i++;
        continue;
      }
      return fail(`unexpected character '${String.fromCharCode(b)}'`);
    }
    if (cap) keep(chunk, n);
  }

  function closeContainer(chunk: Uint8Array, at: number, kind: Frame["kind"]) {
    const frame = stack.pop();
    if (!frame || frame.kind !== kind) return fail("mismatched brackets");
    if (frame.state === "key" || frame.state === "colon" || frame.state === "value") {
      return fail("unexpected end of a container");
    }
    if (kind === "object" && stack.length === 2 && inResources() && resource.type && resource.name) {
      const mode = resource.mode ?? "managed";
      if (mode === "managed") facts.managedInstances += instances;
      if (facts.resources.length < maxResourceSummaries) {
        // Keys only when every instance has one (count/for_each) and the state-wide budget allows.
        const keyed = indexKeys.length > 0 && indexKeys.length === instances;
        const keep = keyed && indexKeysKept + indexKeys.length <= maxIndexKeys;
        if (keep) indexKeysKept += indexKeys.length;
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
    if (cap?.target === "value" && cap.depth === stack.length) valueEnds(endCapture(chunk, at + 1), true);
    else valueEnds(undefined, false);
  }

  return {
    write,
    /** Ends the scan; throws InvalidError if the bytes were not one complete JSON object. */
    end(): StateFacts {
      if (scalar !== "" && !failure) finishScalar();
      if (!sawRoot && !failure) throw new InvalidError("the state file is empty", undefined, "invalid state");
      if (failure || !done || inString) {
        throw new InvalidError(
          `the state file is not valid JSON${failure ? ` (${failure})` : ""}`,
          undefined,
          "invalid state",
        );
      }
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
