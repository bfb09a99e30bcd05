import type { ResolvedToken } from "@terrapod/core";
import { type Actor, UnauthenticatedError } from "@terrapod/kernel";
import { jobTokenPrefix } from "./job-token.ts";

export type AuthenticatorDeps = {
  /** Looks up an API token by its secret (core/token). */
  resolveToken(secret: string): Promise<ResolvedToken | undefined>;
  /** Turns a runner's job token into its run actor; undefined when it is not a valid job token. */
  resolveJobToken?(token: string): Promise<Actor | undefined>;
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
        const job = await deps.resolveJobToken?.(token);
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
