import type { ResolvedToken } from "@terrapod/core";
import {
  type Actor,
  type OrganizationName,
  type RunId,
  UnauthenticatedError,
  type WorkspaceId,
} from "@terrapod/kernel";
import { type JobTokens, jobTokenPrefix } from "./job-token.ts";

export type AuthenticatorDeps = {
  /** Looks up an API token by its secret (core/token). */
  resolveToken(secret: string): Promise<ResolvedToken | undefined>;
  /** Verifies runners' job tokens; without it, job tokens are refused. */
  jobTokens?: JobTokens;
  /** The workspace and organization of a run (core/job `scope`), to build a job token's actor. */
  jobScope?(runId: string): Promise<{ workspaceId: WorkspaceId; organization: OrganizationName } | undefined>;
};

export type Authenticator = {
  /** Turns an `Authorization` header into an Actor; throws UnauthenticatedError when missing or invalid. */
  authenticate(authorization: string | null | undefined): Promise<Actor>;
};

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
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      if (!token) throw new UnauthenticatedError();
      if (token.startsWith(jobTokenPrefix)) {
        const job = await resolveJobToken(deps, token);
        if (!job) throw new UnauthenticatedError();
        return job;
      }
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

/** A runner's job token → its run actor; undefined when the token is not valid or its run is gone. */
async function resolveJobToken(deps: AuthenticatorDeps, token: string): Promise<Actor | undefined> {
  const claims = deps.jobTokens?.verify(token);
  if (!claims || !deps.jobScope) return undefined;
  const scope = await deps.jobScope(claims.runId);
  if (!scope) return undefined;
  return {
    kind: "run",
    runId: claims.runId as RunId,
    workspaceId: scope.workspaceId,
    organization: scope.organization,
    phase: claims.phase,
    attempt: claims.attempt,
  };
}
