import type { Actor } from "@terrapod/kernel";
import type { CapabilitySigner } from "./capability.ts";

/** Job tokens are signed, expiring bearer tokens naming one run, one phase and one attempt. */
export const jobTokenPrefix = "tpjob.";

export type JobTokenClaims = { runId: string; phase: "plan" | "apply"; attempt: number };

export type JobTokens = {
  issue(claims: JobTokenClaims, ttlSeconds: number): string;
  /** The claims of a valid job token; undefined for anything else (including other token kinds). */
  verify(token: string): JobTokenClaims | undefined;
};

export function createJobTokens(signer: CapabilitySigner): JobTokens {
  return {
    issue(c, ttlSeconds) {
      return `${jobTokenPrefix}${signer.sign("runner-job", `${c.runId}:${c.phase}:${c.attempt}`, ttlSeconds)}`;
    },
    verify(token) {
      if (!token.startsWith(jobTokenPrefix)) return undefined;
      let actor: Actor & { kind: "capability" };
      try {
        actor = signer.verify(token.slice(jobTokenPrefix.length), "runner-job");
      } catch {
        return undefined;
      }
      const [runId, phase, attempt] = actor.resourceId.split(":");
      if (!runId || (phase !== "plan" && phase !== "apply") || !attempt || !/^\d+$/.test(attempt))
        return undefined;
      return { runId, phase, attempt: Number(attempt) };
    },
  };
}
