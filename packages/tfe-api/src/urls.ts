import type { CapabilitySigner } from "@terrapod/auth";
import type { CapabilityPurpose } from "@terrapod/kernel";

/** Builds absolute URLs for responses: capability URLs must be absolute (the CLIs require it). */
export type UrlBuilder = {
  capability(purpose: CapabilityPurpose, resourceId: string, ttlSeconds: number): string;
};

export const capabilityPathPrefix = "/api/v2/cap";

export function urlBuilder(signer: CapabilitySigner, origin: string): UrlBuilder {
  return {
    capability(purpose, resourceId, ttlSeconds) {
      return `${origin}${capabilityPathPrefix}/${purpose}/${signer.sign(purpose, resourceId, ttlSeconds)}`;
    },
  };
}

/** The public origin: configured, or taken from the request (Bun builds request.url from Host). */
export function originOf(request: Request, configured: URL | undefined): string {
  return configured ? configured.origin : new URL(request.url).origin;
}
