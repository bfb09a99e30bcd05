const prefixes = {
  organization: "org",
  project: "prj",
  user: "user",
  token: "at",
  workspace: "ws",
  stateVersion: "sv",
  stateVersionOutput: "wsout",
  configurationVersion: "cv",
  run: "run",
  plan: "plan",
  apply: "apply",
  variable: "var",
  variableSet: "varset",
  tag: "tag",
  runEvent: "re",
  comment: "wsc",
  request: "req",
} as const;

export type IdKind = keyof typeof prefixes;
export type TfeId<K extends IdKind> = `${(typeof prefixes)[K]}-${string}` & { readonly __kind: K };

export type UserId = TfeId<"user">;
export type TokenId = TfeId<"token">;
export type WorkspaceId = TfeId<"workspace">;
export type StateVersionId = TfeId<"stateVersion">;
export type StateVersionOutputId = TfeId<"stateVersionOutput">;
export type ConfigurationVersionId = TfeId<"configurationVersion">;
export type RunId = TfeId<"run">;
export type PlanId = TfeId<"plan">;
export type ApplyId = TfeId<"apply">;
export type VariableId = TfeId<"variable">;
export type VariableSetId = TfeId<"variableSet">;
export type TagId = TfeId<"tag">;
export type OrganizationId = TfeId<"organization">;
export type ProjectId = TfeId<"project">;
export type CommentId = TfeId<"comment">;

/** Organizations are addressed by name in TFE, so the name gets its own brand. */
export type OrganizationName = string & { readonly __brand: "OrganizationName" };

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** 16 base58 characters from the platform CSPRNG (~93 bits). */
export function randomIdPart(length = 16): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const b of bytes) out += alphabet[b % 58];
  return out;
}

export type IdGenerator = <K extends IdKind>(kind: K) => TfeId<K>;

export const randomIds: IdGenerator = (kind) => `${prefixes[kind]}-${randomIdPart()}` as TfeId<typeof kind>;

/** Deterministic ids for tests: `ws-0000000000000001`, … */
export function sequentialIds(): IdGenerator {
  let n = 0;
  return (kind) => {
    n += 1;
    return `${prefixes[kind]}-${String(n).padStart(16, "0")}` as TfeId<typeof kind>;
  };
}

const idPattern = /^[a-z]+-[1-9A-HJ-NP-Za-km-z0-9]{1,64}$/;

/** Parses an id that arrived on the wire. Returns undefined when it is not an id of that kind. */
export function parseId<K extends IdKind>(kind: K, raw: string): TfeId<K> | undefined {
  if (!raw.startsWith(`${prefixes[kind]}-`) || !idPattern.test(raw)) return undefined;
  return raw as TfeId<K>;
}

export function idPrefix(kind: IdKind): string {
  return prefixes[kind];
}

/** What each kind is called in messages, as core's NotFoundErrors say it ("configuration version cv-… not found"). */
const names: { readonly [K in IdKind]: string } = {
  organization: "organization",
  project: "project",
  user: "user",
  token: "token",
  workspace: "workspace",
  stateVersion: "state version",
  stateVersionOutput: "state version output",
  configurationVersion: "configuration version",
  run: "run",
  plan: "plan",
  apply: "apply",
  variable: "variable",
  variableSet: "variable set",
  tag: "tag",
  runEvent: "run event",
  comment: "comment",
  request: "request",
};

export function idKindName(kind: IdKind): string {
  return names[kind];
}
