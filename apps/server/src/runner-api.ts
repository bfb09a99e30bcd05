import type { JobService, RunService } from "@terrapod/core";
import { type Actor, BadRequestError, InvalidError } from "@terrapod/kernel";
import {
  ArtifactName,
  HeartbeatReply,
  PhaseResult,
  protocolVersion,
  runnerPaths,
} from "@terrapod/runner-protocol";
import { readJson } from "@terrapod/tfe-api";
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
};

/** The runner protocol transport: parses, calls the job service, maps. Errors use the JSON:API mapper. */
export function runnerApiRoutes(deps: RunnerApiDeps) {
  const actor = (request: Request) => deps.authenticate(request.headers.get("authorization"));
  const body = (request: Request) => {
    if (!request.body) throw new BadRequestError("the request has no body");
    return request.body;
  };
  const artifact = (raw: string) => {
    const parsed = ArtifactName.safeParse(raw);
    if (!parsed.success) throw new InvalidError(`unknown artifact ${raw}`);
    return parsed.data;
  };

  return new Elysia({ name: "runner-api" })
    .get(runnerPaths.job, async ({ request }) => Response.json(await deps.jobs.spec(await actor(request))))
    .get(runnerPaths.configuration, async ({ request }) => {
      const a = await actor(request);
      const spec = await deps.jobs.spec(a);
      const run = await deps.runs.get(a, spec.runId);
      return new Response(await deps.configurationDownload(a, run.configurationVersionId), {
        headers: { "content-type": "application/gzip" },
      });
    })
    .get(runnerPaths.state, async ({ request }) => {
      const a = await actor(request);
      if (a.kind !== "run") throw new BadRequestError("a job token is required");
      const stream = await deps.stateDownload(a, a.workspaceId);
      return stream
        ? new Response(stream, { headers: { "content-type": "application/json" } })
        : new Response(null, { status: 204 });
    })
    .put(
      runnerPaths.stateUpload,
      async ({ request }) => {
        const saved = await deps.jobs.saveState(await actor(request), body(request));
        return Response.json({ version: protocolVersion, stateVersionId: saved?.stateVersionId ?? null });
      },
      { parse: "none" },
    )
    .post(
      runnerPaths.logs,
      async ({ request }) => {
        const a = await actor(request);
        const offset = Number(request.headers.get("x-log-offset") ?? "");
        if (!Number.isSafeInteger(offset) || offset < 0)
          throw new BadRequestError("x-log-offset must be a byte offset");
        const bytes = new Uint8Array(await request.arrayBuffer());
        if (bytes.byteLength > deps.limits.logChunkBytes) throw new BadRequestError("log chunk too large");
        const length = await deps.jobs.appendLog(a, offset, bytes);
        return Response.json({ version: protocolVersion, length });
      },
      { parse: "none" },
    )
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
        await deps.jobs.putArtifact(await actor(request), artifact(params.name), body(request));
        return new Response(null, { status: 204 });
      },
      { parse: "none" },
    )
    .get("/api/runner/v1/artifacts/:name", async ({ request, params }) => {
      const stream = await deps.jobs.getArtifact(await actor(request), artifact(params.name));
      return new Response(stream, { headers: { "content-type": "application/octet-stream" } });
    })
    .post(
      runnerPaths.result,
      async ({ request }) => {
        const a = await actor(request);
        const parsed = PhaseResult.safeParse(await readJson(request, deps.limits.jsonBodyBytes));
        if (!parsed.success)
          throw new InvalidError(`invalid phase result: ${parsed.error.issues[0]?.message ?? "?"}`);
        await deps.jobs.finish(a, parsed.data);
        return new Response(null, { status: 204 });
      },
      { parse: "none" },
    );
}
