/** JSON:API document builders. Wire names are written out literally by each serializer. */

export type Linkage = { type: string; id: string };
export type Relationship = {
  data?: Linkage | Linkage[] | null;
  links?: Record<string, string>;
  meta?: Record<string, unknown>;
};

export type ResourceObject = {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  relationships?: Record<string, Relationship>;
  links?: Record<string, string>;
  meta?: Record<string, unknown>;
};

export type PaginationMeta = {
  pagination: {
    "current-page": number;
    "page-size": number;
    "prev-page": number | null;
    "next-page": number | null;
    "total-pages": number;
    "total-count": number;
  };
};

export const jsonApiContentType = "application/vnd.api+json";

export function one(kind: string, id: string): Relationship {
  return { data: { type: kind, id } };
}

export function maybeOne(kind: string, id: string | null | undefined): Relationship {
  return { data: id ? { type: kind, id } : null };
}

export function many(kind: string, ids: readonly string[]): Relationship {
  return { data: ids.map((id) => ({ type: kind, id })) };
}

export function paginationMeta(page: { page: number; size: number; total: number }): PaginationMeta {
  const totalPages = Math.max(1, Math.ceil(page.total / page.size));
  return {
    pagination: {
      "current-page": page.page,
      "page-size": page.size,
      "prev-page": page.page > 1 ? page.page - 1 : null,
      "next-page": page.page < totalPages ? page.page + 1 : null,
      "total-pages": totalPages,
      "total-count": page.total,
    },
  };
}

/** ISO 8601 in UTC with a literal Z, as go-tfe's `iso8601` tag requires. */
export function isoTime(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

export function jsonApiResponse(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": jsonApiContentType, ...headers },
  });
}

export function resourceResponse(
  data: ResourceObject,
  opts: { status?: number; included?: ResourceObject[]; headers?: Record<string, string> } = {},
): Response {
  const body: Record<string, unknown> = { data };
  if (opts.included && opts.included.length > 0) body.included = dedupe(opts.included);
  return jsonApiResponse(body, opts.status ?? 200, opts.headers);
}

export function collectionResponse(
  data: ResourceObject[],
  opts: { page?: { page: number; size: number; total: number }; included?: ResourceObject[] } = {},
): Response {
  const body: Record<string, unknown> = { data };
  if (opts.included && opts.included.length > 0) body.included = dedupe(opts.included);
  if (opts.page) body.meta = paginationMeta(opts.page);
  return jsonApiResponse(body);
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

function dedupe(resources: ResourceObject[]): ResourceObject[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const key = `${r.type}/${r.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
