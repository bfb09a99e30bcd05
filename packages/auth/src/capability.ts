import { createHmac, timingSafeEqual } from "node:crypto";
import { type Actor, type CapabilityPurpose, type Clock, NotFoundError } from "@terrapod/kernel";

/**
 * Signed, expiring, single-purpose capability tokens carried in URL paths (the CLIs drop or rewrite
 * query strings on some of them, and send no Authorization header). A token grants exactly one
 * purpose on one resource until it expires; anything else is treated as not found.
 */
export type CapabilitySigner = {
  sign(purpose: CapabilityPurpose, resourceId: string, ttlSeconds: number): string;
  /** Returns the capability actor, or throws NotFoundError for a bad, expired or mismatched token. */
  verify(token: string, purpose: CapabilityPurpose): Actor & { kind: "capability" };
};

const maxTokenLength = 512;

export function createCapabilitySigner(secret: Uint8Array, clock: Clock): CapabilitySigner {
  const mac = (payload: string) => createHmac("sha256", secret).update(payload).digest();
  return {
    sign(purpose, resourceId, ttlSeconds) {
      const expires = Math.floor(clock.now().getTime() / 1000) + ttlSeconds;
      const payload = Buffer.from(JSON.stringify({ p: purpose, r: resourceId, e: expires })).toString(
        "base64url",
      );
      return `${payload}.${mac(payload).toString("base64url")}`;
    },
    verify(token, purpose) {
      const invalid = new NotFoundError("capability", "url");
      if (token.length > maxTokenLength) throw invalid;
      const [payload, sig] = token.split(".");
      if (!payload || !sig) throw invalid;
      const expected = mac(payload);
      const given = Buffer.from(sig, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
      let claims: { p?: unknown; r?: unknown; e?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        throw invalid;
      }
      if (claims.p !== purpose || typeof claims.r !== "string" || typeof claims.e !== "number") throw invalid;
      if (claims.e * 1000 < clock.now().getTime()) throw invalid;
      return { kind: "capability", purpose, resourceId: claims.r };
    },
  };
}
