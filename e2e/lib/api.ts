/**
 * A small TFE API client for arranging and checking what the CLIs did: JSON:API in and out, over https
 * with the throwaway CA. Responses are returned whole (status and parsed body) so tests can assert on
 * either; `expectOk` turns an unexpected status into an error that shows the request and the body.
 */

export type JsonApiResource = {
  readonly id: string;
  readonly type: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly relationships?: Readonly<Record<string, { readonly data?: unknown }>>;
};

export type ApiResponse = {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON (undefined when empty). */
  readonly body: unknown;
};

export type ApiClient = {
  request(
    method: string,
    path: string,
    body?: unknown,
    opts?: { token?: string | null },
  ): Promise<ApiResponse>;
  get(path: string): Promise<ApiResponse>;
  post(path: string, body?: unknown): Promise<ApiResponse>;
  patch(path: string, body?: unknown): Promise<ApiResponse>;
  /** GET of an absolute URL the API handed out (download links), with the bearer token. */
  download(url: string): Promise<{ readonly status: number; readonly text: string }>;
};

export function createApiClient(baseUrl: string, caPem: string, token: string): ApiClient {
  const request: ApiClient["request"] = async (method, path, body, opts = {}) => {
    const headers = new Headers({ accept: "application/vnd.api+json" });
    const bearer = opts.token === undefined ? token : opts.token;
    if (bearer) headers.set("authorization", `Bearer ${bearer}`);
    if (body !== undefined) headers.set("content-type", "application/vnd.api+json");
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      tls: { ca: caPem },
    });
    const text = await res.text();
    let parsed: unknown;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { method, path, status: res.status, headers: res.headers, body: parsed };
  };
  return {
    request,
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
    patch: (path, body) => request("PATCH", path, body),
    async download(url) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, tls: { ca: caPem } });
      return { status: res.status, text: await res.text() };
    },
  };
}

export function describeResponse(res: ApiResponse): string {
  const body = typeof res.body === "string" ? res.body : JSON.stringify(res.body, null, 2);
  return `${res.method} ${res.path} -> ${res.status}\n${body ?? "(empty body)"}`;
}

/** Throws (showing request and body) unless the status is one of `statuses` (default: any 2xx). */
export function expectOk(res: ApiResponse, statuses?: readonly number[]): ApiResponse {
  const ok = statuses ? statuses.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok) throw new Error(`unexpected API response: ${describeResponse(res)}`);
  return res;
}

function isResource(value: unknown): value is JsonApiResource {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { id?: unknown }).id === "string" &&
    typeof (value as { type?: unknown }).type === "string" &&
    typeof (value as { attributes?: unknown }).attributes === "object"
  );
}

/** `data` of a single-resource document. */
export function resourceOf(res: ApiResponse): JsonApiResource {
  const data = (res.body as { data?: unknown } | undefined)?.data;
  if (!isResource(data)) throw new Error(`expected a JSON:API resource: ${describeResponse(res)}`);
  return data;
}

/** `data` of a collection document. */
export function collectionOf(res: ApiResponse): JsonApiResource[] {
  const data = (res.body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data) || !data.every(isResource)) {
    throw new Error(`expected a JSON:API collection: ${describeResponse(res)}`);
  }
  return data;
}

// ---------------------------------------------------------------------------------------------------
// arranging

export async function createOrganization(api: ApiClient, name: string): Promise<JsonApiResource> {
  return resourceOf(
    expectOk(
      await api.post("/api/v2/organizations", {
        data: { type: "organizations", attributes: { name, email: `${name}@example.com` } },
      }),
      [201],
    ),
  );
}

export async function createWorkspace(
  api: ApiClient,
  organization: string,
  name: string,
  attributes: Record<string, unknown> = {},
  tags: readonly string[] = [],
): Promise<JsonApiResource> {
  const relationships =
    tags.length > 0
      ? { tags: { data: tags.map((tag) => ({ type: "tags", attributes: { name: tag } })) } }
      : undefined;
  return resourceOf(
    expectOk(
      await api.post(`/api/v2/organizations/${organization}/workspaces`, {
        data: {
          type: "workspaces",
          attributes: { name, ...attributes },
          ...(relationships ? { relationships } : {}),
        },
      }),
      [201],
    ),
  );
}

export async function readWorkspace(
  api: ApiClient,
  organization: string,
  name: string,
): Promise<JsonApiResource> {
  return resourceOf(expectOk(await api.get(`/api/v2/organizations/${organization}/workspaces/${name}`)));
}

/** Attributes of the workspace's current state version plus its raw state file (parsed). */
export async function currentState(
  api: ApiClient,
  workspaceId: string,
): Promise<{ readonly version: JsonApiResource; readonly state: StateFile }> {
  const version = resourceOf(
    expectOk(await api.get(`/api/v2/workspaces/${workspaceId}/current-state-version`)),
  );
  const url = version.attributes["hosted-state-download-url"];
  if (typeof url !== "string")
    throw new Error(`state version ${version.id} has no hosted-state-download-url`);
  const file = await api.download(url);
  if (file.status !== 200) throw new Error(`GET ${url} -> ${file.status}: ${file.text}`);
  return { version, state: JSON.parse(file.text) as StateFile };
}

/** The parts of a state file (format 4) the tests look at. */
export type StateFile = {
  readonly version: number;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs?: Readonly<Record<string, { readonly value: unknown; readonly sensitive?: boolean }>>;
  readonly resources?: readonly { readonly type: string; readonly name: string; readonly mode: string }[];
};
