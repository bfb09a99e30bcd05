import { BadRequestError, InvalidError, TooLargeError } from "@terrapod/kernel";

/**
 * A request body's bytes, refused with TooLargeError as soon as it passes `limitBytes` (a declared
 * Content-Length past it is refused before reading): never buffered beyond the limit. Undefined when
 * there is no body. The server's edge discards what is left unread, so the client still gets the 413.
 */
export async function readBounded(request: Request, limitBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limitBytes) throw new TooLargeError("request body", limitBytes);
  const body = request.body;
  if (!body) return undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      throw new TooLargeError("request body", limitBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError("request body is not valid JSON");
  }
}

/** Reads a request body as JSON with a hard size limit, without trusting Content-Length. */
export async function readJson(request: Request, limitBytes: number): Promise<unknown> {
  const bytes = await readBounded(request, limitBytes);
  if (!bytes || bytes.byteLength === 0) {
    throw new BadRequestError("request body is empty; a JSON document is required");
  }
  return parseJsonText(new TextDecoder("utf-8", { fatal: false }).decode(bytes));
}

/** Like readJson, but an absent or empty body yields undefined (lock/unlock/action endpoints). */
export async function readOptionalJson(request: Request, limitBytes: number): Promise<unknown> {
  if (request.headers.get("content-length") === "0") return undefined;
  const bytes = await readBounded(request, limitBytes);
  const text = bytes ? new TextDecoder("utf-8", { fatal: false }).decode(bytes) : "";
  return text.trim() === "" ? undefined : parseJsonText(text);
}

export type JsonApiData = {
  type: string;
  id: string | undefined;
  attributes: Record<string, unknown>;
  relationships: Record<string, unknown>;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks the JSON:API envelope `{ data: { type, attributes, relationships } }`. `types` lists accepted
 * `data.type` values (go-tfe sends the model's type; a few option structs send "").
 */
export function jsonApiData(doc: unknown, types: readonly string[]): JsonApiData {
  if (!isRecord(doc) || !isRecord(doc.data)) {
    throw new InvalidError("the document must have a `data` object", "/data", "invalid document");
  }
  const data = doc.data;
  const type = typeof data.type === "string" ? data.type : "";
  if (!types.includes(type)) {
    throw new InvalidError(
      `data.type must be ${types.filter(Boolean).join(" or ")}, got ${JSON.stringify(data.type ?? null)}`,
      "/data/type",
      "invalid document",
    );
  }
  if (data.attributes !== undefined && data.attributes !== null && !isRecord(data.attributes)) {
    throw new InvalidError("data.attributes must be an object", "/data/attributes", "invalid document");
  }
  if (data.relationships !== undefined && data.relationships !== null && !isRecord(data.relationships)) {
    throw new InvalidError("data.relationships must be an object", "/data/relationships", "invalid document");
  }
  return {
    type,
    id: typeof data.id === "string" ? data.id : undefined,
    attributes: isRecord(data.attributes) ? data.attributes : {},
    relationships: isRecord(data.relationships) ? data.relationships : {},
  };
}

/** The id of a to-one relationship (`relationships.<name>.data.id`), if present. */
export function relationshipId(data: JsonApiData, name: string): string | undefined {
  const rel = data.relationships[name];
  if (!isRecord(rel) || !isRecord(rel.data)) return undefined;
  return typeof rel.data.id === "string" ? rel.data.id : undefined;
}

/** The elements of a to-many relationship (`relationships.<name>.data[]`). */
export function relationshipList(data: JsonApiData, name: string): Record<string, unknown>[] {
  const rel = data.relationships[name];
  if (!isRecord(rel) || !Array.isArray(rel.data)) return [];
  return rel.data.filter(isRecord);
}
