import { defaultPageSize, InvalidError, maxPageSize, type PageRequest } from "@terrapod/kernel";

/** `page[number]` / `page[size]` from the query string; TFE's defaults (1, 20) and max size (100). */
export function parsePage(params: URLSearchParams): PageRequest {
  const number = parsePositiveInt(params.get("page[number]"), "page[number]") ?? 1;
  const size = parsePositiveInt(params.get("page[size]"), "page[size]") ?? defaultPageSize;
  return { page: number, size: Math.min(size, maxPageSize) };
}

function parsePositiveInt(raw: string | null, name: string): number | undefined {
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new InvalidError(`${name} must be a positive integer`, undefined, "invalid query parameter");
  }
  return Number(raw);
}

/** `include=a,b.c` → ["a", "b.c"]; unknown values are accepted and ignored, as the CLIs require. */
export function parseInclude(params: URLSearchParams): Set<string> {
  const raw = params.get("include");
  if (!raw) return new Set();
  return new Set(
    raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}
