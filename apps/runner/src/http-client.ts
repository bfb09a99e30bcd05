import {
  type ArtifactName,
  HeartbeatReply,
  JobSpec,
  PhaseResult,
  protocolVersion,
  runnerPaths,
} from "@terrapod/runner-protocol";
import { z } from "zod";

/** The server answered with a status we did not want. 5xx, 408 and 429 are worth retrying. */
export class ServerResponseError extends Error {
  readonly status: number;
  constructor(what: string, status: number, detail: string) {
    super(`${what}: server answered ${status}${detail ? ` (${detail})` : ""}`);
    this.name = "ServerResponseError";
    this.status = status;
  }

  get retryable(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** A TLS verification failure (untrusted, expired or mismatched certificate): waiting will not fix it. */
export function isCertificateError(err: unknown): boolean {
  const code = err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : "";
  return /CERT|SIGNATURE|SELF_SIGNED|^ERR_TLS|^ERR_SSL/.test(code);
}

/** Network failures, timeouts and retryable statuses; a refusal (4xx), a bad reply or a bad certificate is final. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ServerResponseError) return err.retryable;
  if (isCertificateError(err)) return false;
  if (err instanceof SyntaxError) return false;
  if (err instanceof z.ZodError) return false;
  return true;
}

export type Body = Uint8Array | Blob;

/** The server side of the runner protocol, as the runner uses it. */
export type RunnerClient = {
  getJob(): Promise<JobSpec>;
  /** The configuration archive as a stream (the caller consumes it). */
  getConfiguration(): Promise<ReadableStream<Uint8Array>>;
  /** The current raw state, or undefined when the workspace has none (204). */
  getState(): Promise<Uint8Array | undefined>;
  sendLogs(offset: number, chunk: Uint8Array): Promise<void>;
  heartbeat(): Promise<HeartbeatReply>;
  putArtifact(name: ArtifactName, body: Body): Promise<void>;
  /** The artifact's bytes, or undefined when it does not exist (404). */
  getArtifact(name: ArtifactName): Promise<Response | undefined>;
  putState(body: Body): Promise<void>;
  sendResult(result: PhaseResult): Promise<void>;
};

export type RunnerClientOptions = Readonly<{
  serverUrl: URL;
  token: string;
  /** Skip TLS verification (the config allows it for loopback URLs only). */
  insecureTls: boolean;
  /** Small calls (job, heartbeat, logs, result). */
  requestTimeoutMs?: number;
  /** Transfers (configuration, state, artifacts). */
  transferTimeoutMs?: number;
  fetch?: typeof fetch;
}>;

async function detailOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  return text.replace(/\s+/g, " ").trim().slice(0, 300);
}

type CallInit = {
  method: string;
  body?: Body | string;
  contentType?: string;
  headers?: Record<string, string>;
};

/** One authenticated request; a status outside `accept` becomes a ServerResponseError. */
type Call = (
  what: string,
  path: string,
  init: CallInit,
  timeoutMs: number,
  accept?: readonly number[],
) => Promise<Response>;

function createCall(opts: RunnerClientOptions): Call {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.serverUrl.pathname.replace(/\/+$/, "");
  const url = (path: string) => new URL(base + path, opts.serverUrl);
  return async (what, path, init, timeoutMs, accept = [200]) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${opts.token}`,
      "user-agent": "terrapod-runner",
      ...init.headers,
    };
    if (init.contentType) headers["content-type"] = init.contentType;
    // A copy gives fetch the ArrayBuffer-backed view it wants (bodies here are small or already files).
    const body = init.body instanceof Uint8Array ? new Uint8Array(init.body) : init.body;
    const response = await doFetch(url(path), {
      method: init.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(timeoutMs),
      ...(opts.insecureTls ? { tls: { rejectUnauthorized: false } } : {}),
    });
    if (!accept.includes(response.status))
      throw new ServerResponseError(what, response.status, await detailOf(response));
    return response;
  };
}

const json = (value: unknown) => JSON.stringify(value);

/** The small calls: job, logs, heartbeat, result. */
function controlCalls(
  call: Call,
  timeoutMs: number,
): Pick<RunnerClient, "getJob" | "sendLogs" | "heartbeat" | "sendResult"> {
  return {
    async getJob() {
      const response = await call("fetching the job", runnerPaths.job, { method: "GET" }, timeoutMs);
      return JobSpec.parse(await response.json());
    },
    async sendLogs(offset, chunk) {
      await call(
        "sending logs",
        runnerPaths.logs,
        {
          method: "POST",
          body: chunk,
          contentType: "application/octet-stream",
          headers: { "x-log-offset": String(offset) },
        },
        timeoutMs,
        [200, 201, 202, 204],
      );
    },
    async heartbeat() {
      const response = await call(
        "heartbeat",
        runnerPaths.heartbeat,
        { method: "POST", body: json({ version: protocolVersion }), contentType: "application/json" },
        timeoutMs,
      );
      return HeartbeatReply.parse(await response.json());
    },
    async sendResult(result) {
      const body = PhaseResult.parse(result);
      await call(
        "reporting the result",
        runnerPaths.result,
        { method: "POST", body: json(body), contentType: "application/json" },
        timeoutMs,
        [200, 201, 202, 204],
      );
    },
  };
}

/** The transfers: configuration, state, artifacts. */
function transferCalls(
  call: Call,
  timeoutMs: number,
): Pick<RunnerClient, "getConfiguration" | "getState" | "putArtifact" | "getArtifact" | "putState"> {
  return {
    async getConfiguration() {
      const what = "fetching the configuration";
      const response = await call(what, runnerPaths.configuration, { method: "GET" }, timeoutMs);
      if (!response.body) throw new ServerResponseError(what, response.status, "empty body");
      return response.body;
    },
    async getState() {
      const response = await call(
        "fetching the state",
        runnerPaths.state,
        { method: "GET" },
        timeoutMs,
        [200, 204],
      );
      if (response.status === 204) return undefined;
      return new Uint8Array(await response.arrayBuffer());
    },
    async putArtifact(name, body) {
      await call(
        `uploading ${name}`,
        runnerPaths.artifact(name),
        { method: "PUT", body, contentType: "application/octet-stream" },
        timeoutMs,
        [200, 201, 204],
      );
    },
    async getArtifact(name) {
      const response = await call(
        `fetching ${name}`,
        runnerPaths.artifact(name),
        { method: "GET" },
        timeoutMs,
        [200, 404],
      );
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      return response;
    },
    async putState(body) {
      await call(
        "uploading the state",
        runnerPaths.stateUpload,
        { method: "PUT", body, contentType: "application/json" },
        timeoutMs,
        [200, 201, 204],
      );
    },
  };
}

export function createRunnerClient(opts: RunnerClientOptions): RunnerClient {
  const call = createCall(opts);
  return {
    ...controlCalls(call, opts.requestTimeoutMs ?? 30_000),
    ...transferCalls(call, opts.transferTimeoutMs ?? 15 * 60_000),
  };
}
