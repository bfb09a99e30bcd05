import { describe, expect, test } from "bun:test";
import { fakeClock, type OrganizationName, UnauthenticatedError, type WorkspaceId } from "@terrapod/kernel";
import { createAuthenticator } from "./authenticator.ts";
import { createCapabilitySigner } from "./capability.ts";
import { createJobTokens } from "./job-token.ts";

const secret = new TextEncoder().encode("0123456789abcdef0123456789abcdef");
const scope = { workspaceId: "ws-1" as WorkspaceId, organization: "acme" as OrganizationName };

function setup() {
  const clock = fakeClock();
  const jobTokens = createJobTokens(createCapabilitySigner(secret, clock));
  const auth = createAuthenticator({
    resolveToken: async () => undefined,
    jobTokens,
    jobScope: async (runId) => (runId === "run-1" ? scope : undefined),
  });
  return { clock, jobTokens, auth };
}

describe("job tokens", () => {
  test("become the actor of their run, phase and attempt", async () => {
    const { jobTokens, auth } = setup();
    const token = jobTokens.issue({ runId: "run-1", phase: "apply", attempt: 2 }, 60);
    expect(await auth.authenticate(`Bearer ${token}`)).toEqual({
      kind: "run",
      runId: "run-1" as never,
      workspaceId: scope.workspaceId,
      organization: scope.organization,
      phase: "apply",
      attempt: 2,
    });
  });

  test("are refused when expired, altered, for a run that is gone, or without a verifier", async () => {
    const { clock, jobTokens, auth } = setup();
    const expired = jobTokens.issue({ runId: "run-1", phase: "plan", attempt: 1 }, 60);
    clock.advance(61_000);
    const gone = jobTokens.issue({ runId: "run-2", phase: "plan", attempt: 1 }, 60);
    const altered = `${jobTokens.issue({ runId: "run-1", phase: "plan", attempt: 1 }, 60)}x`;
    for (const token of [expired, gone, altered]) {
      await expect(auth.authenticate(`Bearer ${token}`)).rejects.toBeInstanceOf(UnauthenticatedError);
    }
    const bare = createAuthenticator({ resolveToken: async () => undefined });
    const valid = jobTokens.issue({ runId: "run-1", phase: "plan", attempt: 1 }, 60);
    await expect(bare.authenticate(`Bearer ${valid}`)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
