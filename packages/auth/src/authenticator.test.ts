import { describe, expect, test } from "bun:test";
import { fakeClock, type OrganizationName, UnauthenticatedError, type WorkspaceId } from "@terrapod/kernel";
import { type AuthSurface, createAuthenticator } from "./authenticator.ts";
import { createCapabilitySigner } from "./capability.ts";
import { createJobTokens, type JobTokenClaims } from "./job-token.ts";

const secret = new TextEncoder().encode("0123456789abcdef0123456789abcdef");
const scope = { workspaceId: "ws-1" as WorkspaceId, organization: "acme" as OrganizationName };

/** run-1 is applying at attempt 2; anything else is not a current phase. */
const current: JobTokenClaims = { runId: "run-1", phase: "apply", attempt: 2 };

function setup() {
  const clock = fakeClock();
  const jobTokens = createJobTokens(createCapabilitySigner(secret, clock));
  const seen: JobTokenClaims[] = [];
  const auth = createAuthenticator({
    resolveToken: async (s) =>
      s === "api-token"
        ? {
            id: "at-1" as never,
            owner: { kind: "organization", organization: "acme" as OrganizationName },
          }
        : undefined,
    jobTokens,
    jobScope: async (claims) => {
      seen.push(claims);
      return claims.runId === current.runId &&
        claims.phase === current.phase &&
        claims.attempt === current.attempt
        ? scope
        : undefined;
    },
  });
  return { clock, jobTokens, auth, seen };
}

const refused = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(UnauthenticatedError);

describe("job tokens", () => {
  test("become the actor of their run, phase and attempt on the runner protocol", async () => {
    const { jobTokens, auth, seen } = setup();
    const token = jobTokens.issue(current, 60);
    expect(await auth.authenticate(`Bearer ${token}`, "runner")).toEqual({
      kind: "run",
      runId: "run-1" as never,
      workspaceId: scope.workspaceId,
      organization: scope.organization,
      phase: "apply",
      attempt: 2,
    });
    expect(seen).toEqual([current]);
  });

  test("are refused (401) on the TFE API and the executor API, without looking the run up", async () => {
    const { jobTokens, auth, seen } = setup();
    const token = jobTokens.issue(current, 60);
    for (const surface of ["tfe", "executor"] as AuthSurface[]) {
      await refused(auth.authenticate(`Bearer ${token}`, surface));
    }
    expect(seen).toEqual([]);
  });

  test("die with their phase: another phase or attempt of the run is refused", async () => {
    const { jobTokens, auth } = setup();
    for (const claims of [
      { ...current, attempt: 1 },
      { ...current, phase: "plan" as const },
      { ...current, runId: "run-2" },
    ]) {
      await refused(auth.authenticate(`Bearer ${jobTokens.issue(claims, 60)}`, "runner"));
    }
  });

  test("are refused when expired, altered, or without a verifier", async () => {
    const { clock, jobTokens, auth } = setup();
    const expired = jobTokens.issue(current, 60);
    clock.advance(61_000);
    const altered = `${jobTokens.issue(current, 60)}x`;
    for (const token of [expired, altered]) await refused(auth.authenticate(`Bearer ${token}`, "runner"));
    const bare = createAuthenticator({ resolveToken: async () => undefined });
    await refused(bare.authenticate(`Bearer ${jobTokens.issue(current, 60)}`, "runner"));
  });
});

describe("run-reader tokens", () => {
  test("become the run-reader actor of their phase on the TFE API only", async () => {
    const { jobTokens, auth } = setup();
    const token = jobTokens.issue(current, 60, "run-reader");
    expect(token.startsWith("tprun.")).toBe(true);
    expect(await auth.authenticate(`Bearer ${token}`, "tfe")).toEqual({
      kind: "run-reader",
      runId: "run-1" as never,
      workspaceId: scope.workspaceId,
      organization: scope.organization,
      phase: "apply",
      attempt: 2,
    });
    for (const surface of ["runner", "executor"] as AuthSurface[]) {
      await refused(auth.authenticate(`Bearer ${token}`, surface));
    }
  });

  test("die with their phase", async () => {
    const { jobTokens, auth } = setup();
    const stale = jobTokens.issue({ ...current, attempt: 1 }, 60, "run-reader");
    await refused(auth.authenticate(`Bearer ${stale}`, "tfe"));
  });

  test("one kind cannot pass for the other, whatever its prefix says", async () => {
    const { jobTokens, auth } = setup();
    const job = jobTokens.issue(current, 60);
    const reader = jobTokens.issue(current, 60, "run-reader");
    const asReader = `tprun.${job.slice("tpjob.".length)}`;
    const asJob = `tpjob.${reader.slice("tprun.".length)}`;
    await refused(auth.authenticate(`Bearer ${asReader}`, "tfe"));
    await refused(auth.authenticate(`Bearer ${asJob}`, "runner"));
    expect(jobTokens.verify(reader)).toBeUndefined();
  });
});

describe("API tokens", () => {
  test("work on every surface", async () => {
    const { auth } = setup();
    for (const surface of ["tfe", "runner", "executor"] as AuthSurface[]) {
      expect((await auth.authenticate("Bearer api-token", surface)).kind).toBe("organization-token");
    }
    await refused(auth.authenticate("Bearer nope", "tfe"));
    await refused(auth.authenticate(undefined, "tfe"));
  });
});
