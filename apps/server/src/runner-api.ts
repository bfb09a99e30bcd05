import type { JobService, RunService } from "@terrapod/core";
import { type Actor, BadRequestError, InvalidError } from "@terrapod/kernel";
import {
  ArtifactName,
  HeartbeatReply,
  type JobSpec,
  PhaseResult,
  protocolVersion,
  runnerPaths,
} from "@terrapod/runner-protocol";
import { readBounded, readJson } from "@terrapod/tfe-api";
import { Elysia } from "elysia";

export type RunnerApiDeps = {
  readonly authenticate: (authorization: string | null) => Promise<Actor>;
  readonly jobs: JobService;
  readonly runs: Pick<RunService, "get">;
  readonly stateDownload: (
    actor: Actor,
    workspaceId: string,
  ) => Promise<ReadableStream<Uint8Array> | undefined>;
  readonly configurationDownload: (actor: Actor, cvId: string) => Promise<ReadableStream<Uint8Array>>;
  readonly limits: { readonly jsonBodyBytes: number; readonly logChunkBytes: number };
  /** A read-only token for the engine of this phase (terraform_remote_state), dead when the phase ends. */
  readonly runReaderToken: (job: { runId: string; phase: "plan" | "apply"; attempt: number }) => string;
  /** Where clients reach the server, when configured (TERRAPOD_PUBLIC_URL). */
  readonly publicUrl: URL | undefined;
};

const actorOf = (deps: RunnerApiDeps, request: Request) =>
  deps.authenticate(request.headers.get("authorization"));

const bodyOf = (request: Request) => {
  if (!request.body) throw new BadRequestError("the request has no body");
  return request.body;
};

const artifactOf = (raw: string) => {
  const parsed = ArtifactName.safeParse(raw);
  if (!parsed.success) throw new InvalidError(`unknown artifact ${raw}`);
  return parsed.data;
};

const loopbackNames = ["localhost", "127.0.0.1"];

/** A host the CLIs accept in a `credentials` block (a name or IPv4 address, and a port). */
const credentialsHost = /^[A-Za-z0-9.-]+(:\d+)?$/;

/**
 * The host names (with their port) configurations may use for this server, for the engine's CLI
 * credentials: the public URL's, the one the runner used, and its loopback aliases when that is loopback.
 */
export function serverHosts(requestUrl: string, publicUrl: URL | undefined): string[] {
  const hosts = new Set<string>();
  if (publicUrl) hosts.add(publicUrl.host);
  const used = new URL(requestUrl);
  hosts.add(used.host);
  if ([...loopbackNames, "[::1]"].includes(used.hostname)) {
    const port = used.port ? `:${used.port}` : "";
    for (const name of loopbackNames) hosts.add(`${name}${port}`);
  }
  return [...hosts].filter((h) => credentialsHost.test(h));
}

/** The job spec, with the engine's run-reader token and the hosts it is for. */
async function getJob(deps: RunnerApiDeps, request: Request): Promise<Response> {
  const a = await actorOf(deps, request);
  const spec = await deps.jobs.spec(a);
  const runToken = {
    token: deps.runReaderToken({ runId: spec.runId, phase: spec.phase, attempt: spec.attempt }),
    hosts: serverHosts(request.url, deps.publicUrl),
  };
  return Response.json({ ...spec, runToken } satisfies JobSpec);
}

async function getConfiguration(deps: RunnerApiDeps, request: Request): Promise<Response> {
  const a = await actorOf(deps, request);
  const spec = await deps.jobs.spec(a);
  const run = await deps.runs.get(a, spec.runId);
  return new Response(await deps.configurationDownload(a, run.configurationVersionId), {
    headers: { "content-type": "application/gzip" },
  });
}

async function getState(deps: RunnerApiDeps, request: Request): Promise<Response> {
  const a = await actorOf(deps, request);
  if (a.kind !== "run") throw new BadRequestError("a job token is required");
  const stream = await deps.stateDownload(a, a.workspaceId);
  return stream
    ? new Response(stream, { headers: { "content-type": "application/json" } })
    : new Response(null, { status: 204 });
}

async function postLogs(deps: RunnerApiDeps, request: Request): Promise<Response> {
  const a = await actorOf(deps, request);
  const offset = Number(request.headers.get("x-log-offset") ?? "");
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new BadRequestError("x-log-offset must be a byte offset");
  // Never buffered past the chunk limit (a 413 beyond it).
  const bytes = (await readBounded(request, deps.limits.logChunkBytes)) ?? new Uint8Array();
  const length = await deps.jobs.appendLog(a, offset, bytes);
  return Response.json({ version: protocolVersion, length });
}

async function postResult(deps: RunnerApiDeps, request: Request): Promise<Response> {
  const a = await actorOf(deps, request);
  const parsed = PhaseResult.safeParse(await readJson(request, deps.limits.jsonBodyBytes));
  if (!parsed.success)
    throw new InvalidError(`invalid phase result: ${parsed.error.issues[0]?.message ?? "?"}`);
  await deps.jobs.finish(a, parsed.data);
  return new Response(null, { status: 204 });
}

/** The runner protocol transport: parses, calls the job service, maps. Errors use the JSON:API mapper. */
export function runnerApiRoutes(deps: RunnerApiDeps) {
  const actor = (request: Request) => actorOf(deps, request);
  return new Elysia({ name: "runner-api" })
    .get(runnerPaths.job, async ({ request }) => getJob(deps, request))
    .get(runnerPaths.configuration, async ({ request }) => getConfiguration(deps, request))
    .get(runnerPaths.state, async ({ request }) => getState(deps, request))
    .put(
      runnerPaths.stateUpload,
      async ({ request }) => {
        const saved = await deps.jobs.saveState(await actor(request), bodyOf(request));
        return Response.json({ version: protocolVersion, stateVersionId: saved?.stateVersionId ?? null });
      },
      { parse: "none" },
    )
    .post(runnerPaths.logs, async ({ request }) => postLogs(deps, request), { parse: "none" })
    .post(
      runnerPaths.heartbeat,
      async ({ request }) => {
        const reply = await deps.jobs.heartbeat(await actor(request));
        return Response.json(HeartbeatReply.parse({ version: protocolVersion, ...reply }));
      },
      { parse: "none" },
    )
    .put(
      "/api/runner/v1/artifacts/:name",
      async ({ request, params }) => {
        await deps.jobs.putArtifact(await actor(request), artifactOf(params.name), bodyOf(request));
        return new Response(null, { status: 204 });
      },
      { parse: "none" },
    )
    .get("/api/runner/v1/artifacts/:name", async ({ request, params }) => {
      const stream = await deps.jobs.getArtifact(await actor(request), artifactOf(params.name));
      return new Response(stream, { headers: { "content-type": "application/octet-stream" } });
    })
    .post(runnerPaths.result, async ({ request }) => postResult(deps, request), { parse: "none" });
}
