/**
 * Reading remote runs through the API for the remote-execution scenarios: run documents, a
 * workspace's run list, run events, plan/apply documents and their logs (tfe-protocol.md §5).
 */
import {
  type ApiClient,
  collectionOf,
  describeResponse,
  expectOk,
  type JsonApiResource,
  resourceOf,
} from "./api.ts";

/** The run id in the "To view this run in a browser, visit: …/runs/run-…" line the CLIs print. */
export function runIdIn(output: string): string {
  const ids = [...output.matchAll(/\/runs\/(run-[A-Za-z0-9]+)/g)].map((m) => m[1]);
  const id = ids.at(-1);
  if (!id) throw new Error(`no run URL in the CLI output:\n${output}`);
  return id;
}

export async function readRun(api: ApiClient, runId: string): Promise<JsonApiResource> {
  return resourceOf(expectOk(await api.get(`/api/v2/runs/${runId}`)));
}

/** GET /workspaces/:id/runs (first page, as the API orders it: newest first). */
export async function workspaceRuns(api: ApiClient, workspaceId: string): Promise<JsonApiResource[]> {
  return collectionOf(expectOk(await api.get(`/api/v2/workspaces/${workspaceId}/runs?page[size]=100`)));
}

export function statusOf(run: JsonApiResource): string {
  const status = run.attributes.status;
  if (typeof status !== "string") throw new Error(`run ${run.id} has no status`);
  return status;
}

/** The id of a to-one relationship (plan, apply, workspace, configuration-version, …). */
export function relatedId(resource: JsonApiResource, name: string): string {
  const data = resource.relationships?.[name]?.data;
  const id = typeof data === "object" && data !== null ? (data as { id?: unknown }).id : undefined;
  if (typeof id !== "string") throw new Error(`${resource.type} ${resource.id} has no ${name} relationship`);
  return id;
}

/** The `links.related` URL of a relationship given as a link (run-events). */
export function relatedLink(resource: JsonApiResource, name: string): string {
  const relationship = resource.relationships?.[name] as { links?: { related?: unknown } } | undefined;
  const link = relationship?.links?.related;
  if (typeof link !== "string") throw new Error(`${resource.type} ${resource.id} has no ${name} link`);
  return link;
}

/** The run's events through the `run-events` relationship link, in the order the API returns them. */
export async function runEvents(api: ApiClient, run: JsonApiResource): Promise<JsonApiResource[]> {
  const link = relatedLink(run, "run-events");
  return collectionOf(expectOk(await api.get(new URL(link, "https://placeholder").pathname)));
}

export async function readPlan(api: ApiClient, run: JsonApiResource): Promise<JsonApiResource> {
  return resourceOf(expectOk(await api.get(`/api/v2/plans/${relatedId(run, "plan")}`)));
}

export async function readApply(api: ApiClient, run: JsonApiResource): Promise<JsonApiResource> {
  return resourceOf(expectOk(await api.get(`/api/v2/applies/${relatedId(run, "apply")}`)));
}

/**
 * The whole log behind a plan's or apply's `log-read-url`, read in chunks as go-tfe does, with the
 * STX/ETX framing bytes removed.
 */
export async function readLog(api: ApiClient, phase: JsonApiResource): Promise<string> {
  const url = phase.attributes["log-read-url"];
  if (typeof url !== "string" || !url.startsWith("https://")) {
    throw new Error(`${phase.type} ${phase.id} has no absolute log-read-url: ${String(url)}`);
  }
  let text = "";
  for (let offset = 0; ; ) {
    const base = new URL(url);
    base.search = `limit=65536&offset=${offset}`;
    const chunk = await api.download(base.toString());
    if (chunk.status !== 200) throw new Error(`GET ${base} -> ${chunk.status}: ${chunk.text}`);
    if (chunk.text === "") break;
    text += chunk.text;
    offset += new TextEncoder().encode(chunk.text).byteLength;
  }
  const stx = "\u0002";
  const etx = "\u0003";
  const body = text.startsWith(stx) ? text.slice(1) : text;
  return body.endsWith(etx) ? body.slice(0, -1) : body;
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(intervalMs);
  }
}

/** Throws (showing the response) unless the API answered 404. */
export async function expectNotFound(api: ApiClient, path: string): Promise<void> {
  const res = await api.get(path);
  if (res.status !== 404) throw new Error(`expected 404: ${describeResponse(res)}`);
}
