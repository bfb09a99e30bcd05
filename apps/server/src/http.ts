import { createHash } from "node:crypto";
import { isConnectionError } from "@terrapod/db";
import { isTerrapodError, randomIdPart, type TerrapodError, UnavailableError } from "@terrapod/kernel";
import { errorDocument, tfeHeaders, toErrorResponse } from "@terrapod/tfe-api";
import { Elysia } from "elysia";
import type { Logger } from "./logger.ts";
import type { HttpMetrics } from "./metrics.ts";
import { createRateLimiter } from "./rate-limit.ts";

export type Readiness = { ready: boolean; reason: string };

/** Infrastructure errors that reach the edge become typed errors (e.g. a lost database → 503). */
export function classifyError(err: unknown): TerrapodError | undefined {
  if (isConnectionError(err)) return new UnavailableError("database unavailable", { cause: err });
  return undefined;
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
      if (isTerrapodError(error)) {
        return toErrorResponse(error, {
          onInternal: (cause) =>
            log.error({ err: cause, requestId: request.headers.get("x-request-id") }, "unhandled error"),
        });
      }
      if (code === "NOT_FOUND") {
        return errorDocument(
          404,
          "not found",
          `no route for ${request.method} ${new URL(request.url).pathname}`,
        );
      }
      if (code === "PARSE") return errorDocument(400, "bad request", "request body could not be parsed");
      if (code === "VALIDATION") return errorDocument(422, "invalid request", "request failed validation");
      return toErrorResponse(error, {
        classify: classifyError,
        onInternal: (cause) =>
          log.error({ err: cause, requestId: request.headers.get("x-request-id") }, "unhandled error"),
      });
    });
}

export type EdgeDeps = {
  readonly app: { handle(req: Request): Promise<Response> };
  readonly log: Logger;
  readonly metrics: HttpMetrics;
  readonly readiness: Readiness;
  readonly rateLimitPerSecond: number;
  readonly routes: RouteMemo;
};

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The outermost request handler: request IDs, readiness gate, rate limit, TFE headers, metrics and the
 * access log. Everything inside it is Elysia.
 */
export function createEdge(deps: EdgeDeps) {
  const limiter = createRateLimiter(deps.rateLimitPerSecond);
  const staticTfeHeaders = tfeHeaders(deps.rateLimitPerSecond);

  return async function handle(req: Request, clientAddress: string | undefined): Promise<Response> {
    const started = performance.now();
    const incoming = req.headers.get("x-request-id");
    const requestId = incoming && requestIdPattern.test(incoming) ? incoming : `req-${randomIdPart()}`;
    req.headers.set("x-request-id", requestId);
    const url = new URL(req.url);
    const isApi = url.pathname.startsWith("/api/");

    let res: Response;
    if (isApi && !deps.readiness.ready) {
      res = errorDocument(503, "service unavailable", deps.readiness.reason);
    } else {
      const wait = isApi ? limiter.take(clientKey(req, clientAddress), Date.now()) : 0;
      if (wait > 0) {
        res = errorDocument(429, "too many requests", "rate limit exceeded; retry later");
        res.headers.set("x-ratelimit-reset", wait.toFixed(3));
        res.headers.set("retry-after", String(Math.ceil(wait)));
      } else {
        try {
          res = await deps.app.handle(req);
        } catch (err) {
          res = toErrorResponse(err, {
            classify: classifyError,
            onInternal: (cause) => deps.log.error({ err: cause, requestId }, "unhandled error"),
          });
        }
      }
    }

    res = mutable(res);
    res.headers.set("x-request-id", requestId);
    if (isApi || url.pathname.startsWith("/.well-known/")) {
      for (const [k, v] of Object.entries(staticTfeHeaders)) res.headers.set(k, v);
    }
    const route = deps.routes.get(req) ?? "unmatched";
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.observe(req.method, route, res.status, seconds);
    deps.log.info(
      { requestId, method: req.method, route, status: res.status, ms: Math.round(seconds * 1000) },
      "request",
    );
    return res;
  };
}

function clientKey(req: Request, address: string | undefined): string {
  const auth = req.headers.get("authorization");
  if (auth) return `t:${createHash("sha256").update(auth).digest("base64url").slice(0, 22)}`;
  return `a:${address ?? "unknown"}`;
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
