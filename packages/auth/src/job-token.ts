import type { Actor, CapabilityPurpose } from "@terrapod/kernel";
import type { CapabilitySigner } from "./capability.ts";

/**
 * Phase tokens are signed, expiring bearer tokens naming one run, one phase and one attempt. Two kinds:
 * the runner's job token (the runner protocol only) and the engine's run-reader token (the TFE API,
 * reading the state of workspaces that share theirs). Both die when their phase ends: the authenticator
 * accepts them only while the phase is the run's current one.
 */
export const jobTokenPrefix = "tpjob.";
export const runReaderTokenPrefix = "tprun.";

/**
 * The signed lifetime of a phase token. A phase ending kills its tokens at once (the authenticator
 * checks the run on every call); this only bounds a token whose run is stuck in its phase.
 */
export const phaseTokenTtlSeconds = 24 * 3600;

export type JobTokenClaims = { runId: string; phase: "plan" | "apply"; attempt: number };

export type PhaseTokenKind = "job" | "run-reader";

export type JobTokens = {
  /** A token of `kind` (default: the runner's job token). */
  issue(claims: JobTokenClaims, ttlSeconds: number, kind?: PhaseTokenKind): string;
  /** The claims of a valid job token; undefined for anything else (including other token kinds). */
  verify(token: string): JobTokenClaims | undefined;
  /** The claims of a valid phase token of either kind, with its kind; undefined for anything else. */
  verifyAny(token: string): (JobTokenClaims & { kind: PhaseTokenKind }) | undefined;
};

const kinds: Record<PhaseTokenKind, { prefix: string; purpose: CapabilityPurpose }> = {
  job: { prefix: jobTokenPrefix, purpose: "runner-job" },
  "run-reader": { prefix: runReaderTokenPrefix, purpose: "run-reader" },
};

/** The kind a token's prefix announces (the signature then has to match that kind's purpose). */
export function phaseTokenKind(token: string): PhaseTokenKind | undefined {
  if (token.startsWith(jobTokenPrefix)) return "job";
  if (token.startsWith(runReaderTokenPrefix)) return "run-reader";
  return undefined;
}

export function createJobTokens(signer: CapabilitySigner): JobTokens {
  function verifyKind(token: string, kind: PhaseTokenKind): JobTokenClaims | undefined {
    const { prefix, purpose } = kinds[kind];
    if (!token.startsWith(prefix)) return undefined;
    let actor: Actor & { kind: "capability" };
    try {
      actor = signer.verify(token.slice(prefix.length), purpose);
    } catch {
      return undefined;
    }
    const [runId, phase, attempt] = actor.resourceId.split(":");
    if (!runId || (phase !== "plan" && phase !== "apply") || !attempt || !/^\d+$/.test(attempt))
      return undefined;
    return { runId, phase, attempt: Number(attempt) };
  }
  return {
    issue(c, ttlSeconds, kind = "job") {
      const { prefix, purpose } = kinds[kind];
      return `${prefix}${signer.sign(purpose, `${c.runId}:${c.phase}:${c.attempt}`, ttlSeconds)}`;
    },
    verify: (token) => verifyKind(token, "job"),
    verifyAny(token) {
      const kind = phaseTokenKind(token);
      const claims = kind ? verifyKind(token, kind) : undefined;
      return kind && claims ? { ...claims, kind } : undefined;
    },
  };
}
