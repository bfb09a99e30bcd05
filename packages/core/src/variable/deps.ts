import type { AccessPolicy } from "../access/index.ts";
import type { CoreDeps } from "../shared/deps.ts";
import type { SecretSealer } from "../shared/secrets.ts";
import type { VariableSetScope } from "./precedence.ts";
import type { StoredVariable } from "./stored.ts";

/** A variable set as precedence needs it: its name, priority, the scope it reaches a workspace by, its variables. */
export type InheritedVariableSet = {
  readonly id: string;
  readonly name: string;
  readonly priority: boolean;
  readonly scope: VariableSetScope;
  /** In creation order; values sealed. */
  readonly variables: readonly StoredVariable[];
};

export type VariableDeps = CoreDeps & {
  readonly access: AccessPolicy;
  /** Seals every variable value at rest. */
  readonly secrets: SecretSealer;
  /** The variable sets that reach a workspace, for precedence (variable-set domain; no access check). */
  readonly variableSets: {
    reaching(ws: {
      readonly id: string;
      readonly organizationId: string;
      readonly projectId: string;
    }): Promise<readonly InheritedVariableSet[]>;
  };
};
