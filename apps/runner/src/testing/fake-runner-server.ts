/**
 * Test-only: an in-memory server speaking the runner protocol (runnerPaths), for the runner's
 * integration tests. It records everything the runner sends and can ask it to cancel.
 */
import {
  ArtifactName,
  type HeartbeatReply,
  type JobSpec,
  PhaseResult,
  protocolVersion,
  runnerPaths,
} from "@terrapod/runner-protocol";

export type FakeJob = {
  spec: JobSpec;
  archive: Uint8Array;
  state?: Uint8Array;
  artifacts?: Partial<Record<ArtifactName, Uint8Array>>;
};

export type FakeServerOptions = {
  /** Answer the first N state uploads with 503. */
  failStateUploads?: number;
  /** Called with the whole log so far after each chunk (e.g. to request a cancel at some point). */
  onLog?: (log: string, server: FakeRunnerServer) => void;
  /** Serve https with this certificate (PEM file paths). */
  tls?: { cert: string; key: string };
  /** A status to refuse a heartbeat with (the phase is no longer current), or undefined to accept it. */
  refuseHeartbeat?: (server: FakeRunnerServer) => number | undefined;
};

export type RecordedRequest = { method: string; path: string; authorized: boolean };

export type FakeRunnerServer = {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly artifacts: Map<ArtifactName, Uint8Array>;
  readonly stateUploads: Uint8Array[];
  readonly results: PhaseResult[];
  readonly heartbeats: number;
  /** The log as assembled from the chunks at their offsets (throws on a gap or a conflict). */
  log(): string;
  readonly logPosts: { offset: number; bytes: number }[];
  requestCancel(force?: boolean): void;
  stop(): Promise<void>;
};

export function startFakeRunnerServer(
  job: FakeJob,
  token: string,
  opts: FakeServerOptions = {},
): FakeRunnerServer {
  const requests: RecordedRequest[] = [];
  const artifacts = new Map<ArtifactName, Uint8Array>();
  for (const [name, bytes] of Object.entries(job.artifacts ?? {})) {
    if (bytes) artifacts.set(ArtifactName.parse(name), bytes);
  }
  const stateUploads: Uint8Array[] = [];
  const results: PhaseResult[] = [];
  const chunks = new Map<number, Uint8Array>();
  const logPosts: { offset: number; bytes: number }[] = [];
  let heartbeats = 0;
  let failStateUploads = opts.failStateUploads ?? 0;
  const reply: HeartbeatReply = { version: protocolVersion, cancel: false, force: false };

  const assemble = (): string => {
    const offsets = [...chunks.keys()].sort((a, b) => a - b);
    const parts: Uint8Array[] = [];
    let expected = 0;
    for (const offset of offsets) {
      if (offset !== expected) throw new Error(`log gap or overlap at ${offset} (expected ${expected})`);
      const chunk = chunks.get(offset) ?? new Uint8Array(0);
      parts.push(chunk);
      expected += chunk.byteLength;
    }
    return Buffer.concat(parts).toString("utf8");
  };

  const artifactPrefix = runnerPaths.artifact("plan-file").replace("plan-file", "");

  let url = "";
  const server: FakeRunnerServer = {
    get url() {
      return url;
    },
    requests,
    artifacts,
    stateUploads,
    results,
    get heartbeats() {
      return heartbeats;
    },
    log: assemble,
    logPosts,
    requestCancel(force = false) {
      reply.cancel = true;
      reply.force = reply.force || force;
    },
    async stop() {
      await http.stop(true);
    },
  };

  const http = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    ...(opts.tls ? { tls: { cert: Bun.file(opts.tls.cert), key: Bun.file(opts.tls.key) } } : {}),
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const authorized = req.headers.get("authorization") === `Bearer ${token}`;
      requests.push({ method: req.method, path, authorized });
      if (!authorized) return new Response("unauthorized", { status: 401 });
      const route = `${req.method} ${path}`;
      if (route === `GET ${runnerPaths.job}`) return Response.json(job.spec);
      if (route === `GET ${runnerPaths.configuration}`) return new Response(new Uint8Array(job.archive));
      if (route === `GET ${runnerPaths.state}`) {
        return job.state ? new Response(new Uint8Array(job.state)) : new Response(null, { status: 204 });
      }
      if (route === `PUT ${runnerPaths.stateUpload}`) {
        if (failStateUploads > 0) {
          failStateUploads -= 1;
          return new Response("try again", { status: 503 });
        }
        stateUploads.push(new Uint8Array(await req.arrayBuffer()));
        return new Response(null, { status: 204 });
      }
      if (route === `POST ${runnerPaths.logs}`) {
        const offset = Number(req.headers.get("x-log-offset"));
        if (!Number.isInteger(offset) || offset < 0) return new Response("bad offset", { status: 400 });
        const bytes = new Uint8Array(await req.arrayBuffer());
        const known = chunks.get(offset);
        if (known && !Buffer.from(known).equals(bytes)) return new Response("conflict", { status: 409 });
        chunks.set(offset, bytes);
        logPosts.push({ offset, bytes: bytes.byteLength });
        opts.onLog?.(assemble(), server);
        return new Response(null, { status: 204 });
      }
      if (route === `POST ${runnerPaths.heartbeat}`) {
        heartbeats += 1;
        const refusal = opts.refuseHeartbeat?.(server);
        if (refusal !== undefined) return new Response("job superseded", { status: refusal });
        return Response.json(reply);
      }
      if (route === `POST ${runnerPaths.result}`) {
        results.push(PhaseResult.parse(await req.json()));
        return new Response(null, { status: 204 });
      }
      if (path.startsWith(artifactPrefix)) {
        const name = ArtifactName.safeParse(path.slice(artifactPrefix.length));
        if (!name.success) return new Response("unknown artifact", { status: 404 });
        if (req.method === "PUT") {
          artifacts.set(name.data, new Uint8Array(await req.arrayBuffer()));
          return new Response(null, { status: 204 });
        }
        const bytes = artifacts.get(name.data);
        return bytes ? new Response(new Uint8Array(bytes)) : new Response("not found", { status: 404 });
      }
      return new Response("not found", { status: 404 });
    },
  });
  url = `${opts.tls ? "https" : "http"}://127.0.0.1:${http.port}`;
  return server;
}
