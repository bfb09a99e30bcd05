import { InvalidError, isTerrapodError } from "@terrapod/kernel";

/**
 * Maps wire attribute names (kebab-case, literal) to core input fields. Attributes TFE defines but we do
 * not implement are listed in `ignored` and dropped; anything else unknown is refused with a 422 naming it.
 */
export type AttributeMap = {
  readonly fields: Readonly<Record<string, string>>;
  readonly ignored?: readonly string[];
};

export function mapAttributes(attrs: Record<string, unknown>, map: AttributeMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [wire, value] of Object.entries(attrs)) {
    const field = map.fields[wire];
    if (field !== undefined) {
      if (value !== undefined) out[field] = value;
      continue;
    }
    if (map.ignored?.includes(wire)) continue;
    throw new InvalidError(`unknown attribute "${wire}"`, `/data/attributes/${wire}`);
  }
  return out;
}

/**
 * Runs a core call and rewrites the field pointer of an InvalidError from the core field name to the wire
 * attribute (`name` → `/data/attributes/name`), so clients see which attribute was wrong.
 */
export async function withWirePointers<T>(map: AttributeMap, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isTerrapodError(err) && err instanceof InvalidError && err.pointer && !err.pointer.startsWith("/")) {
      const [head, ...rest] = err.pointer.split("/");
      const wire = Object.entries(map.fields).find(([, f]) => f === head)?.[0] ?? head;
      const detail = err.message.replace(new RegExp(`^${head}`), wire ?? "");
      throw new InvalidError(detail, ["/data/attributes", wire, ...rest].join("/"), err.title);
    }
    throw err;
  }
}
