import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import type { SecretSealer } from "../shared/secrets.ts";

export type VariableSetDeps = CoreDeps & {
  readonly access: AccessPolicy;
  /** Seals every variable value at rest (as for workspace variables). */
  readonly secrets: SecretSealer;
};
