import { InvalidError, isTerrapodError } from "@terrapod/kernel";

/**
 * Maps wire attribute names (kebab-case, literal) to core input fields. Attributes TFE defines but we do
 * not implement are listed in `ignored` and dropped (only for read-only attributes clients echo back) or
 * in `restricted`: accepted with the values Terrapod honours anyway (a disabled feature's `false`) and
 * otherwise refused with a 422 that says why. Anything else unknown is refused with a 422 naming it.
 */
export type AttributeMap = {
  readonly fields: Readonly<Record<string, string>>;
  readonly ignored?: readonly string[];
  readonly restricted?: Readonly<Record<string, Restriction>>;
};

/** The values of an unimplemented attribute that change nothing, and why others cannot be honoured. */
export type Restriction = { readonly accepts: (value: unknown) => boolean; readonly reason: string };

/** Accepts only `false` (or null): the feature does not exist here. */
export const onlyFalse = (reason: string): Restriction => ({
  accepts: (v) => v === false || v === null,
  reason: `cannot be enabled: ${reason}`,
});

/** Accepts only null (or an empty string): there is nothing here it could name or configure. */
export const onlyEmpty = (reason: string): Restriction => ({
  accepts: (v) => v === null || v === "",
  reason: `must be null: ${reason}`,
});

export function mapAttributes(attrs: Record<string, unknown>, map: AttributeMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [wire, value] of Object.entries(attrs)) {
    const field = map.fields[wire];
    if (field !== undefined) {
      if (value !== undefined) out[field] = value;
      continue;
    }
    if (map.ignored?.includes(wire)) continue;
    const restriction = map.restricted?.[wire];
    if (restriction) {
      if (restriction.accepts(value)) continue;
      throw new InvalidError(`${wire} ${restriction.reason}`, `/data/attributes/${wire}`);
    }
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
