import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";

export type ProjectDeps = CoreDeps & {
  readonly access: AccessPolicy;
};
