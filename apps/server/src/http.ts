import { isConnectionError } from "@terrapod/db";
import {
  isTerrapodError,
  randomIdPart,
  type TerrapodError,
  TooLargeError,
  UnavailableError,
} from "@terrapod/kernel";
import { errorDocument, tfeHeaders, toErrorResponse } from "@terrapod/tfe-api";
import { Elysia } from "elysia";
import { type DrainBound, guardBody } from "./body-drain.ts";
import type { ClientLimits } from "./client-limits.ts";
import type { Logger } from "./logger.ts";
import type { HttpMetrics } from "./metrics.ts";

/** `draining`: shutting down but still serving (runners report back); /readyz already answers 503. */
export type Readiness = { ready: boolean; reason: string; draining?: boolean };

/** Infrastructure errors that reach the edge become typed errors (e.g. a lost database → 503). */
export function classifyError(err: unknown): TerrapodError | undefined {
  if (isConnectionError(err)) {
    return new UnavailableError("database unavailable", { cause: err, dependency: "database" });
  }
  return undefined;
}

/** Any error as a JSON:API answer; internal and unavailable errors are logged, not told. */
function errorResponse(err: unknown, log: Logger, requestId: string | null): Response {
  return toErrorResponse(err, {
    classify: classifyError,
    onInternal: (cause) => log.error({ err: cause, requestId }, "unhandled error"),
    onUnavailable: (e) => log.warn({ err: e.cause ?? e, requestId }, e.message),
  });
}

/** Per-request routes are remembered here so metrics and logs use the pattern, never the raw path. */
export type RouteMemo = WeakMap<Request, string>;

/** The single JSON:API error mapper and route capture, installed globally on the root Elysia app. */
export function errorMapping(log: Logger, routes: RouteMemo) {
  return new Elysia({ name: "error-mapping" })
    .onBeforeHandle({ as: "global" }, ({ request, route }) => {
      routes.set(request, route);
    })
    .onError({ as: "global" }, ({ code, error, request }) => {
      // Elysia reports its own conditions by `code`; our errors carry a `code` property too, so exclude them.
      if (isTerrapodError(error)) return errorResponse(error, log, request.headers.get("x-request-id"));
      if (code === "NOT_FOUND") {
        return errorDocument(
          404,
          "not found",
          `no route for ${request.method} ${new URL(request.url).pathname}`,
        );
      }
      if (code === "PARSE") return errorDocument(400, "bad request", "request body could not be parsed");
      if (code === "VALIDATION") return errorDocument(422, "invalid request", "request failed validation");
      return errorResponse(error, log, request.headers.get("x-request-id"));
    });
}

export type EdgeDeps = {
  readonly app: { handle(req: Request): Promise<Response> };
  readonly log: Logger;
  readonly metrics: HttpMetrics;
  readonly readiness: Readiness;
  readonly rateLimitPerSecond: number;
  /** Rate limits by principal or address, and the failed-authentication limit (client-limits.ts). */
  readonly limits: Pick<ClientLimits<string>, "admit">;
  /** A body declared larger than this is refused (413) before anything reads it. */
  readonly maxBodyBytes: number;
  /** What the edge discards of a body a handler left unread, so the client reads the answer. */
  readonly bodyDrain: DrainBound;
  readonly routes: RouteMemo;
};

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The outermost request handler: request IDs, readiness gate, rate limit, TFE headers, metrics and the
 * access log. Everything inside it is Elysia.
 */
export function createEdge(deps: EdgeDeps) {
  const staticTfeHeaders = tfeHeaders(deps.rateLimitPerSecond);

  return async function handle(
    req: Request,
    clientAddress: string | undefined,
    clientPort?: number,
  ): Promise<Response> {
    const started = performance.now();
    const incoming = req.headers.get("x-request-id");
    const requestId = incoming && requestIdPattern.test(incoming) ? incoming : `req-${randomIdPart()}`;
    req.headers.set("x-request-id", requestId);
    const url = new URL(req.url);
    const isApi = url.pathname.startsWith("/api/");
    const body = guardBody(req, deps.bodyDrain);

    const res = mutable(await answer(deps, body.request, { isApi, requestId, clientAddress }));
    await body.settle();
    res.headers.set("x-request-id", requestId);
    if (isApi || url.pathname.startsWith("/.well-known/")) {
      for (const [k, v] of Object.entries(staticTfeHeaders)) res.headers.set(k, v);
    }
    const route = deps.routes.get(body.request) ?? "unmatched";
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.observe(req.method, route, res.status, seconds);
    deps.log.info(
      {
        requestId,
        method: req.method,
        route,
        status: res.status,
        ms: Math.round(seconds * 1000),
        clientPort,
      },
      "request",
    );
    return res;
  };
}

/** The readiness gate and the rate limits (API paths only), then the app. */
async function answer(
  deps: EdgeDeps,
  req: Request,
  at: { isApi: boolean; requestId: string; clientAddress: string | undefined },
): Promise<Response> {
  if (at.isApi && !deps.readiness.ready) {
    return errorDocument(503, "service unavailable", deps.readiness.reason);
  }
  if (Number(req.headers.get("content-length") ?? 0) > deps.maxBodyBytes) {
    return errorResponse(new TooLargeError("request body", deps.maxBodyBytes), deps.log, at.requestId);
  }
  const admission = at.isApi ? await deps.limits.admit(req, at.clientAddress, Date.now()) : undefined;
  if (admission && !admission.allowed) {
    const res = errorDocument(429, "too many requests", admission.detail);
    res.headers.set("x-ratelimit-reset", admission.waitSeconds.toFixed(3));
    res.headers.set("retry-after", String(Math.ceil(admission.waitSeconds)));
    return res;
  }
  try {
    return await (admission ? admission.run(() => deps.app.handle(req)) : deps.app.handle(req));
  } catch (err) {
    return errorResponse(err, deps.log, at.requestId);
  }
}

/** Responses built by `fetch` or `Response.redirect` have immutable headers; copy those. */
function mutable(res: Response): Response {
  try {
    res.headers.set("x-terrapod", "1");
    res.headers.delete("x-terrapod");
    return res;
  } catch {
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
}
