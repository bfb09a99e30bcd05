import { describe, expect, test } from "bun:test";
import {
  type Actor,
  ForbiddenError,
  NotFoundError,
  type OrganizationName,
  type RunId,
  type TokenId,
  type UserId,
  type WorkspaceId,
} from "@terrapod/kernel";
import {
  type OrganizationAction,
  type SiteAction,
  type WorkspaceAction,
  workspaceActionLevels,
} from "./model.ts";
import { createAccessPolicy } from "./policy.ts";

// The rule (docs/errors.md): a caller who cannot read a resource gets NotFoundError (404, as if it did
// not exist); one who can read it but may not act gets ForbiddenError naming the missing permission (403).

const acme = "acme" as OrganizationName;
const other = "other" as OrganizationName;
const ownWs = { id: "ws-own1" as WorkspaceId, organization: acme };
const siblingWs = { id: "ws-sibling1" as WorkspaceId, organization: acme };
const foreignWs = { id: "ws-foreign1" as WorkspaceId, organization: other };

const user = (siteAdmin: boolean): Actor => ({
  kind: "user",
  userId: "user-1" as UserId,
  username: siteAdmin ? "admin" : "someone",
  siteAdmin,
  tokenId: undefined,
});
const actors: Record<string, Actor> = {
  system: { kind: "system", reason: "test" },
  "site admin": user(true),
  user: user(false),
  "organization token (acme)": {
    kind: "organization-token",
    organization: acme,
    tokenId: "at-1" as TokenId,
  },
  "run token (ws-own1)": {
    kind: "run",
    runId: "run-1" as RunId,
    workspaceId: ownWs.id,
    organization: acme,
    phase: "apply",
    attempt: 1,
  },
  "run-reader (ws-own1)": {
    kind: "run-reader",
    runId: "run-1" as RunId,
    workspaceId: ownWs.id,
    organization: acme,
    phase: "plan",
    attempt: 1,
  },
  capability: { kind: "capability", purpose: "state-download", resourceId: "sv-1" },
};

type Outcome = "allowed" | "not found" | "forbidden";

async function outcome(check: () => Promise<unknown> | unknown, permission: string): Promise<Outcome> {
  try {
    await check();
    return "allowed";
  } catch (err) {
    if (err instanceof NotFoundError) return "not found";
    if (err instanceof ForbiddenError) {
      // A 403 always names what was missing, in the detail and in machine-readable form.
      expect(err.message).toContain(`permission "${permission}" is required`);
      expect(err.details.permission).toBe(permission);
      return "forbidden";
    }
    throw err;
  }
}

describe("requireWorkspace", () => {
  const policy = createAccessPolicy({ remoteStateReadable: async () => true });
  const subjects = { own: ownWs, "sibling (same org)": siblingWs, "other org": foreignWs };
  // read: workspace:read (level read), write: workspace:lock (level write), admin: workspace:delete.
  const actions = [
    "workspace:read",
    "workspace:lock",
    "workspace:delete",
  ] as const satisfies WorkspaceAction[];
  const A = "allowed";
  const N = "not found";
  const F = "forbidden";
  const table: [actor: string, subject: keyof typeof subjects, expected: [Outcome, Outcome, Outcome]][] = [
    ["system", "own", [A, A, A]],
    ["system", "other org", [A, A, A]],
    ["site admin", "own", [A, A, A]],
    ["site admin", "other org", [A, A, A]],
    ["user", "own", [N, N, N]],
    ["user", "other org", [N, N, N]],
    ["organization token (acme)", "own", [A, A, A]],
    ["organization token (acme)", "sibling (same org)", [A, A, A]],
    ["organization token (acme)", "other org", [N, N, N]],
    // A runner's job token reads its own workspace; its phase's verbs check the rest.
    ["run token (ws-own1)", "own", [A, F, F]],
    ["run token (ws-own1)", "sibling (same org)", [N, N, N]],
    ["run token (ws-own1)", "other org", [N, N, N]],
    // A run's engine reads workspaces that share their state (here: all of them), never its own.
    ["run-reader (ws-own1)", "own", [N, N, N]],
    ["run-reader (ws-own1)", "sibling (same org)", [A, F, F]],
    ["run-reader (ws-own1)", "other org", [N, N, N]],
    ["capability", "own", [N, N, N]],
  ];
  for (const [actorName, subject, expected] of table) {
    test(`${actorName} on ${subject}: ${expected.join(", ")}`, async () => {
      const actor = actors[actorName] as Actor;
      const got = [];
      for (const action of actions) {
        got.push(await outcome(() => policy.requireWorkspace(actor, action, subjects[subject]), action));
      }
      expect(got).toEqual(expected);
    });
  }

  test("the 404 names the workspace, as a missing one would", async () => {
    const err = await policy.requireWorkspace(actors.user as Actor, "workspace:read", ownWs).catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(`workspace ${ownWs.id} not found`);
  });

  test("the 403 names the permission and the workspace", async () => {
    const actor = actors["run token (ws-own1)"] as Actor;
    const err = await policy.requireWorkspace(actor, "workspace:force-unlock", ownWs).catch((e) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toBe(`permission "workspace:force-unlock" is required on workspace ${ownWs.id}`);
    expect(err.details).toEqual({
      permission: "workspace:force-unlock",
      resource: { kind: "workspace", id: ownWs.id },
    });
  });
});

describe("requireOrganization", () => {
  const policy = createAccessPolicy();
  const orgs = { own: acme, "other org": other };
  // read: organization:read, write: organization:update, owner-only: organization:delete.
  const actions = [
    "organization:read",
    "organization:update",
    "organization:delete",
  ] as const satisfies OrganizationAction[];
  const A = "allowed";
  const N = "not found";
  const F = "forbidden";
  const table: [actor: string, org: keyof typeof orgs, expected: [Outcome, Outcome, Outcome]][] = [
    ["system", "own", [A, A, A]],
    ["system", "other org", [A, A, A]],
    ["site admin", "own", [A, A, A]],
    ["site admin", "other org", [A, A, A]],
    ["user", "own", [N, N, N]],
    ["user", "other org", [N, N, N]],
    ["organization token (acme)", "own", [A, A, F]],
    ["organization token (acme)", "other org", [N, N, N]],
    ["run token (ws-own1)", "own", [A, F, F]],
    ["run token (ws-own1)", "other org", [N, N, N]],
    ["run-reader (ws-own1)", "own", [A, F, F]],
    ["run-reader (ws-own1)", "other org", [N, N, N]],
    ["capability", "own", [N, N, N]],
  ];
  for (const [actorName, org, expected] of table) {
    test(`${actorName} on ${org}: ${expected.join(", ")}`, async () => {
      const actor = actors[actorName] as Actor;
      const got = [];
      for (const action of actions) {
        got.push(await outcome(() => policy.requireOrganization(actor, action, orgs[org]), action));
      }
      expect(got).toEqual(expected);
    });
  }

  test("a run token may read its organization but not its variable sets", async () => {
    const actor = actors["run token (ws-own1)"] as Actor;
    const err = await policy.requireOrganization(actor, "varset:read", acme).catch((e) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toBe('permission "varset:read" is required on organization acme');
  });
});

describe("requireSite", () => {
  const policy = createAccessPolicy();
  const action: SiteAction = "organization:create";
  const table: [actor: string, expected: Outcome][] = [
    ["system", "allowed"],
    ["site admin", "allowed"],
    ["user", "forbidden"],
    ["organization token (acme)", "forbidden"],
    ["run token (ws-own1)", "forbidden"],
    ["run-reader (ws-own1)", "forbidden"],
    ["capability", "forbidden"],
  ];
  for (const [actorName, expected] of table) {
    test(`${actorName}: ${expected}`, async () => {
      const actor = actors[actorName] as Actor;
      expect(await outcome(() => policy.requireSite(actor, action), action)).toBe(expected);
    });
  }
});

describe("a run's engine (run-reader)", () => {
  const reader = actors["run-reader (ws-own1)"] as Actor;
  const shares = new Set<string>([siblingWs.id]);
  const asked: [string, string][] = [];
  const policy = createAccessPolicy({
    remoteStateReadable: async (readerId, source) => {
      asked.push([readerId, source.id]);
      return shares.has(source.id);
    },
  });
  const hidden = { id: "ws-private1" as WorkspaceId, organization: acme };
  const allActions = Object.keys(workspaceActionLevels) as WorkspaceAction[];

  test("holds exactly what terraform_remote_state needs on a workspace that shares its state", async () => {
    const allowed: string[] = [];
    for (const action of allActions) {
      const got = await outcome(() => policy.requireWorkspace(reader, action, siblingWs), action);
      if (got === "allowed") allowed.push(action);
      else expect(got).toBe("forbidden");
    }
    expect(allowed.sort()).toEqual(["state:read", "state:read-outputs", "workspace:read"]);
    expect(asked.every(([r]) => r === ownWs.id)).toBe(true);
  });

  test("cannot see a workspace that does not share its state, its own, or another organization's", async () => {
    for (const ws of [hidden, ownWs, foreignWs]) {
      for (const action of allActions) {
        expect(await outcome(() => policy.requireWorkspace(reader, action, ws), action)).toBe("not found");
      }
    }
  });

  test("has no standing level anywhere (direct level checks reveal nothing) and lists no workspaces", async () => {
    for (const ws of [siblingWs, hidden, ownWs]) expect(await policy.workspaceLevel(reader, ws)).toBe("none");
    expect(await policy.visibleWorkspaces(reader, acme)).toBe("none");
  });

  test("without a remote-state rule, reads nothing", async () => {
    const bare = createAccessPolicy();
    expect(await outcome(() => bare.requireWorkspace(reader, "state:read", siblingWs), "state:read")).toBe(
      "not found",
    );
  });

  test("may read its organization (the remote backend reads its entitlements) and nothing more", async () => {
    for (const action of [
      "organization:read",
      "workspace:create",
      "varset:read",
      "project:manage",
    ] as const) {
      const expected = action === "organization:read" ? "allowed" : "forbidden";
      expect(await outcome(() => policy.requireOrganization(reader, action, acme), action)).toBe(expected);
    }
  });
});
