import type { ResolvedToken } from "@terrapod/core";
import {
  type Actor,
  type OrganizationName,
  type RunId,
  UnauthenticatedError,
  type WorkspaceId,
} from "@terrapod/kernel";
import { type JobTokenClaims, type JobTokens, type PhaseTokenKind, phaseTokenKind } from "./job-token.ts";

/**
 * Where a credential is presented. A phase token works on one surface only: the runner's job token on
 * the runner protocol, the engine's run-reader token on the TFE API; API tokens work everywhere.
 */
export type AuthSurface = "tfe" | "runner" | "executor";

const phaseTokenSurface: Record<PhaseTokenKind, AuthSurface> = { job: "runner", "run-reader": "tfe" };

export type AuthenticatorDeps = {
  /** Looks up an API token by its secret (core/token). */
  resolveToken(secret: string): Promise<ResolvedToken | undefined>;
  /** Verifies phase tokens (job and run-reader); without it, they are refused. */
  jobTokens?: JobTokens;
  /**
   * The workspace and organization of a phase token's run, while that phase (and attempt) is the run's
   * current one (core/job `scope`); undefined once it ended, was superseded, or the run is gone.
   */
  jobScope?(
    claims: JobTokenClaims,
  ): Promise<{ workspaceId: WorkspaceId; organization: OrganizationName } | undefined>;
};

export type Authenticator = {
  /**
   * Turns an `Authorization` header presented on `surface` into an Actor; throws UnauthenticatedError
   * when missing or invalid, or when it is a phase token of another surface or of a phase that is over.
   */
  authenticate(authorization: string | null | undefined, surface: AuthSurface): Promise<Actor>;
};

/**
 * A genuine phase token (its signature verifies) used where or when it may not be: on another surface,
 * or after its phase ended. A 401 like any other, but no guess: limits on failed authentications (which
 * slow down token guessing) need not count it, so a stale runner is told 401, not 429.
 */
export class StalePhaseTokenError extends UnauthenticatedError {}

const maxTokenLength = 512;

export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const token = match?.[1];
  if (!token || token.length > maxTokenLength) return undefined;
  return token;
}

export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  return {
    async authenticate(authorization, surface) {
      const token = bearerToken(authorization);
      if (!token) throw new UnauthenticatedError();
      if (phaseTokenKind(token)) return resolvePhaseToken(deps, token, surface);
      const resolved = await deps.resolveToken(token);
      if (!resolved) throw new UnauthenticatedError();
      const owner = resolved.owner;
      switch (owner.kind) {
        case "user":
          return {
            kind: "user",
            userId: owner.user.id,
            username: owner.user.username,
            siteAdmin: owner.user.siteAdmin,
            tokenId: resolved.id,
          };
        case "organization":
          return { kind: "organization-token", organization: owner.organization, tokenId: resolved.id };
      }
    },
  };
}

/**
 * A phase token presented on `surface` → the actor of its run (`run` for a job token, `run-reader` for
 * the engine's token). Throws UnauthenticatedError for a token that is not valid, StalePhaseTokenError
 * for a genuine one of another surface or of a phase that is no longer the run's current one.
 */
async function resolvePhaseToken(
  deps: AuthenticatorDeps,
  token: string,
  surface: AuthSurface,
): Promise<Actor> {
  const claims = deps.jobTokens?.verifyAny(token);
  if (!claims || !deps.jobScope) throw new UnauthenticatedError();
  if (phaseTokenSurface[claims.kind] !== surface) throw new StalePhaseTokenError();
  const scope = await deps.jobScope({ runId: claims.runId, phase: claims.phase, attempt: claims.attempt });
  if (!scope) throw new StalePhaseTokenError();
  return {
    kind: claims.kind === "job" ? "run" : "run-reader",
    runId: claims.runId as RunId,
    workspaceId: scope.workspaceId,
    organization: scope.organization,
    phase: claims.phase,
    attempt: claims.attempt,
  };
}
