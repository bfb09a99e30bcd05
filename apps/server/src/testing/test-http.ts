import { expect } from "bun:test";

/** A JSON:API resource object as the tests read it. */
export type Resource = {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  relationships?: Record<string, { data?: unknown }>;
};
export type Doc = { data: Resource; included?: Resource[] };
export type ListDoc = {
  data: Resource[];
  included?: Resource[];
  meta?: { pagination: Record<string, unknown> };
};

/** One JSON:API error entry. */
export type ErrorEntry = { status: string; title?: string; detail?: string; source?: { pointer: string } };

/** The response's JSON document, after checking its status (the body is shown when it differs). */
export async function expectJson<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The first JSON:API error of a response with the given status. */
export async function expectProblem(res: Response, status: number): Promise<ErrorEntry> {
  const doc = await expectJson<{ errors?: ErrorEntry[] }>(res, status);
  const first = doc.errors?.[0];
  expect(first).toBeDefined();
  if (!first) throw new Error("no error entry");
  return first;
}
