import type { CapabilitySigner } from "@terrapod/auth";
import type {
  ConfigurationVersionService,
  OrganizationService,
  ProjectService,
  RunService,
  StateVersionService,
  TagService,
  UserService,
  VariableService,
  VariableSetService,
  WorkspaceService,
} from "@terrapod/core";
import type { Actor } from "@terrapod/kernel";

/** Everything the TFE API needs, as narrow ports; the server's composition root satisfies them. */
export type TfeDeps = {
  readonly authenticate: (authorization: string | null) => Promise<Actor>;
  readonly capabilities: CapabilitySigner;
  /** Public base URL for absolute links; when absent, the request's own origin is used. */
  readonly publicUrl: URL | undefined;
  readonly organizations: OrganizationService;
  readonly workspaces: WorkspaceService;
  readonly projects: ProjectService;
  readonly tags: TagService;
  readonly stateVersions: StateVersionService;
  readonly variables: VariableService;
  readonly variableSets: VariableSetService;
  readonly configurationVersions: ConfigurationVersionService;
  readonly runs: RunService;
  readonly users: UserService;
  readonly limits: { readonly jsonBodyBytes: number };
  /**
   * Wraps the body of every large transfer (state and configuration uploads and downloads); the server
   * uses it to keep memory flat while megabytes stream through. Identity when absent.
   */
  readonly transfer?: (stream: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
};

export async function actorOf(deps: TfeDeps, request: Request): Promise<Actor> {
  return deps.authenticate(request.headers.get("authorization"));
}

/** The transfer wrapper of `deps`, or the identity. */
export function transferOf(deps: TfeDeps): (s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array> {
  return deps.transfer ?? ((s) => s);
}
